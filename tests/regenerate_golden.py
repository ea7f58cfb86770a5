"""Rewrite tests/golden/ from specs/: `python -m tests.regenerate_golden`.

Golden files are the reviewed output of every example spec; a diff in them is a review item,
like a lock file. Regenerate them with this command only, never by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from litellm_cfn.compile.build import build
from litellm_cfn.spec import load_spec

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"


def golden_folder(spec_path: Path) -> Path:
    """Where the golden output of one spec lives."""
    return GOLDEN / spec_path.stem


def regenerate() -> list[Path]:
    """Build every spec in specs/ into tests/golden/<stem>/, replacing what was there."""
    written = []
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for spec_path in sorted((REPO / "specs").glob("*.yaml")):
        build(load_spec(spec_path).spec, golden_folder(spec_path), lint=False)
        written.append(golden_folder(spec_path))
    return written


if __name__ == "__main__":
    for folder in regenerate():
        print(f"wrote {folder.relative_to(REPO)}/")
