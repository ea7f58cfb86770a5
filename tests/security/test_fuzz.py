"""Fuzzing the spec loader and build: mutated specs, each of which must build cleanly (exit 0,
complete output) or fail with exit 2 and located messages, never a traceback, never a partial
output folder. 300 per run by default (about 10 s); LITELLM_CFN_FUZZ_EXAMPLES sets how many,
and CI sets 1,000."""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litellm_cfn.cli import cli
from litellm_cfn.spec.source import load
from tests.conftest import GOOD_FIXTURES, SPECS

BASES = [load(path)[0] for path in SPECS + GOOD_FIXTURES]
TEXTS = [path.read_text() for path in SPECS + GOOD_FIXTURES]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.text(alphabet="abcdefghij-0123456789./:", max_size=40),
    st.lists(st.one_of(st.integers(), st.text(max_size=20)), max_size=5),
    st.dictionaries(
        st.text(max_size=12), st.one_of(st.integers(), st.text(max_size=12)), max_size=3
    ),
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def parent_and_key(document: Any, path: tuple) -> tuple[Any, Any]:
    node = document
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


@st.composite
def mutated_data(draw: st.DrawFn) -> str:
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(document)))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if action == "replace":
                document = draw(junk)
            continue
        parent, key = parent_and_key(document, path)
        if action == "replace":
            parent[key] = draw(junk)
        elif action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=20))] = draw(junk)
    return yaml.safe_dump(document, allow_unicode=True)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    action = draw(st.sampled_from(["truncate", "insert", "duplicate", "nest", "alias", "tag"]))
    at = draw(st.integers(0, len(text)))
    if action == "truncate":
        return text[:at]
    if action == "insert":
        return text[:at] + draw(st.text(max_size=30)) + text[at:]
    if action == "duplicate":
        lines = text.splitlines(keepends=True)
        line = draw(st.sampled_from(lines))
        return text + line
    if action == "nest":
        depth = draw(st.integers(1, 2000))
        return f"name: demo\nvpc: {'[' * depth}{']' * depth}\n"
    if action == "alias":
        width = draw(st.integers(2, 12))
        levels = ["a: &a [" + ", ".join(["x"] * width) + "]"]
        for level in "bcdefghi":
            previous = chr(ord(level) - 1)
            levels.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * width) + "]")
        return "name: demo\n" + "\n".join(levels) + "\n"
    return text[:at] + " !Ref x " + text[at:]


# .ci/run sets 1,000; fewer while iterating, more to hunt.
EXAMPLES = int(os.environ.get("LITELLM_CFN_FUZZ_EXAMPLES", "300"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(mutated_data(), mutated_text()))
def test_any_spec_builds_cleanly_or_fails_with_located_messages(text: str):
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "platform.yaml"
        spec.write_text(text, encoding="utf-8")
        out = Path(folder) / "out"
        result = CliRunner().invoke(cli, ["build", str(spec), "--out", str(out), "--no-lint"])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
        if result.exit_code == 0:
            manifest = json.loads((out / "manifest.json").read_text())
            written = {p.name for p in out.iterdir()}
            assert written == {*manifest["templates"], "manifest.json"}, "complete output"
            return
        assert result.stderr.strip(), "a refused spec says why"
        assert not out.exists(), "a failed build leaves no output"
        assert [p.name for p in Path(folder).iterdir()] == ["platform.yaml"]
        file = re.escape(str(spec))
        located = re.compile(rf"^{file}:\d+:\d+: ")
        summary = re.compile(rf"^\d+ problems? in {file}$")
        for line in result.stderr.splitlines():
            assert located.match(line) or summary.match(line) or line.startswith(f"{spec}: "), line
