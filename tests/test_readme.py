"""The README's two commands are the ones that work, and CI runs the test one verbatim."""

from __future__ import annotations

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
CI = (REPO / ".ci" / "run").read_text()


def readme_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block, "the README opens with a bash block"
    return [line for line in first_block.group(1).splitlines() if line and not line.startswith("#")]


def test_the_readme_opens_with_exactly_two_commands():
    build, test = readme_commands()
    assert build.endswith("litellm-cfn build specs/platform.yaml")
    assert "pip install -c constraints.txt ." in build
    assert test.endswith("python -m pytest")
    assert "'.[test]'" in test


def test_ci_runs_the_readmes_test_command_verbatim():
    _, test = readme_commands()
    assert test in CI.splitlines()


def test_the_golden_regeneration_command_in_the_readme_exists():
    assert ".venv/bin/python -m tests.regenerate_golden" in README
    assert (REPO / "tests" / "regenerate_golden.py").exists()
