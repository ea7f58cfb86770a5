"""Shared fixtures: specs from text, built outputs, and the repository's paths."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from litellm_cfn.errors import SpecError
from litellm_cfn.spec import PlatformSpec, validate_data
from litellm_cfn.spec.source import parse

# Which Kubernetes versions EKS creates depends on the date; no test may depend on the real
# clock, so every test, and every CLI the tests start, sees this day.
PINNED_TODAY = "2026-12-01"
os.environ["LITELLM_CFN_TODAY"] = PINNED_TODAY
# Builds never read or fill the user's lint cache: each test process (each xdist worker too),
# and every CLI it starts, keeps its own, removed when the process ends.
os.environ["LITELLM_CFN_CACHE_DIR"] = tempfile.mkdtemp(prefix="litellm-cfn-test-cache-")
atexit.register(shutil.rmtree, os.environ["LITELLM_CFN_CACHE_DIR"], ignore_errors=True)

pytest_plugins = ["tests.aws"]

REPO = Path(__file__).resolve().parent.parent
SPECS = sorted((REPO / "specs").glob("*.yaml"))
GOOD_FIXTURES = sorted((REPO / "tests" / "fixtures" / "good").glob("*.yaml"))


def spec_from(text: str, file: str = "platform.yaml") -> PlatformSpec:
    """Validate YAML text (dedented) as a platform spec."""
    data, where = parse(textwrap.dedent(text), file)
    return validate_data(data, where)


# What `build` writes for a spec, in name order.
BUILT_FILES = [
    "cache.yaml",
    "eks.yaml",
    "iam.yaml",
    "manifest.json",
    "rds.yaml",
    "root.yaml",
    "secrets.yaml",
    "vpc.yaml",
]


def only_problem(text: str) -> str:
    """The one problem line a spec text produces (failing if there are none or several)."""
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def assert_located(text: str, expected: str) -> None:
    """A spec text's one problem starts with `expected`: `platform.yaml:LINE:COL: path: ...`."""
    assert re.match(r"platform\.yaml:\d+:\d+: ", expected), f"no location in {expected!r}"
    problem = only_problem(text)
    assert problem.startswith(expected), problem


def problems_of(text: str) -> list[str]:
    """The problem lines a spec text produces (without the summary line)."""
    with pytest.raises(SpecError) as caught:
        spec_from(text)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str], Path]:
    """Write spec text to a file under tmp_path and return its path."""

    def write(text: str, name: str = "platform.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
