"""Golden templates: every spec in specs/ builds to exactly the reviewed files in tests/golden/.

After an intended change: `python -m tests.regenerate_golden`, then review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from litellm_cfn.compile.build import build
from litellm_cfn.spec import load_spec
from tests.conftest import REPO, SPECS
from tests.regenerate_golden import GOLDEN, golden_folder

HINT = "output differs from tests/golden; if intended, run `python -m tests.regenerate_golden`"


def test_every_spec_has_golden_files_and_no_golden_files_are_orphaned():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(p.stem for p in SPECS)


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.name)
def test_build_output_matches_the_golden_files_byte_for_byte(spec_path, tmp_path):
    build(load_spec(spec_path).spec, tmp_path / "out", lint=False)
    assert_matches_golden(tmp_path / "out", spec_path)


@pytest.mark.parametrize("seed", ["1", "2"])
def test_separate_processes_with_different_hash_seeds_write_identical_files(seed, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "litellm_cfn",
            "build",
            "specs/platform.yaml",
            "--out",
            str(out),
            "--no-lint",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    assert_matches_golden(out, REPO / "specs" / "platform.yaml")


def assert_matches_golden(out: Path, spec_path: Path) -> None:
    """`out` holds exactly the golden files of `spec_path`, byte for byte."""
    built = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    golden = {p.name: p.read_bytes() for p in sorted(golden_folder(spec_path).iterdir())}
    assert built.keys() == golden.keys(), HINT
    for name in built:
        assert built[name] == golden[name], f"{name}: {HINT}"
