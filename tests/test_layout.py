"""Imports run one way through the layout: cli -> catalog, fleet -> deploy, kube -> compile ->
nested_stacks -> spec. A module may import its own layer and the ones below it, never one
above (STYLE.md, "The shape of the system")."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

RANK = {
    "spec": 0,
    "nested_stacks": 1,
    "compile": 2,
    "deploy": 3,
    "kube": 3,
    "catalog": 4,
    "fleet": 4,
    "cli": 5,
}


def layer(module: str) -> str | None:
    """The layer a dotted module name belongs to (None: errors, the version, the stdlib...)."""
    parts = module.split(".")
    if parts[0] == "nested_stacks":
        return "nested_stacks"
    if parts[0] == "litellm_cfn" and len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    return None


def imports(source: str) -> list[tuple[str, int]]:
    """Every module a source imports, with the line, lazy imports inside functions included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


MODULES = sorted(
    path
    for folder in ("litellm_cfn", "nested_stacks")
    for path in (REPO / folder).rglob("*.py")
    if layer(".".join(path.relative_to(REPO).with_suffix("").parts))
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_imports_a_layer_above_its_own(path):
    own = layer(".".join(path.relative_to(REPO).with_suffix("").parts))
    upward = [
        f"line {line}: {module}"
        for module, line in imports(path.read_text())
        if (other := layer(module)) is not None and RANK[other] > RANK[own]
    ]
    assert upward == []


def test_the_check_sees_an_upward_import():
    assert imports("def f():\n    from litellm_cfn.cli.main import main\n") == [
        ("litellm_cfn.cli.main", 2)
    ]
    assert layer("litellm_cfn.cli.main") == "cli" and layer("litellm_cfn.errors") is None


PACKAGE = sorted((REPO / "litellm_cfn").rglob("*.py"))
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("path", PACKAGE, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_stay_small_enough_to_hold_in_your_head(path):
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
