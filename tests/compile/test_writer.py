"""The writer's clean-up of what a killed run left beside an output folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from litellm_cfn.compile.build import build
from litellm_cfn.compile.writer import STALE_AFTER, sweep_leftovers
from tests.conftest import spec_from

SPEC = spec_from("name: demo\n")
LONG_AGO = time.time() - STALE_AFTER - 60


def gone_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def leftover(parent: Path, name: str, modified: float = LONG_AGO) -> Path:
    """A folder with a file in it, last modified at `modified`."""
    folder = parent / name
    folder.mkdir()
    (folder / "root.yaml").write_text("half written")
    os.utime(folder, (modified, modified))
    return folder


def test_old_leftovers_of_a_process_that_is_gone_are_swept(tmp_path):
    dead = gone_pid()
    staging = leftover(tmp_path, f".out.staging-{dead}-abc123_x")
    previous = leftover(tmp_path, f".out.previous-{dead}-q9z8y7w6")
    unnamed = leftover(tmp_path, ".out.staging-k2j3h4g5")  # named before the pid was
    assert sorted(sweep_leftovers(tmp_path / "out")) == sorted([staging, previous, unnamed])
    assert list(tmp_path.iterdir()) == []


def test_a_running_process_keeps_its_folders_however_old(tmp_path):
    live = leftover(tmp_path, f".out.staging-{os.getpid()}-abc123_x")
    assert sweep_leftovers(tmp_path / "out") == []
    assert live.exists()


def test_a_recent_leftover_is_kept_even_if_its_process_seems_gone(tmp_path):
    # Its process may run in another PID namespace (a container sharing the folder).
    recent = leftover(tmp_path, f".out.staging-{gone_pid()}-abc123_x", modified=time.time())
    assert sweep_leftovers(tmp_path / "out") == []
    assert recent.exists()
    assert sweep_leftovers(tmp_path / "out", now=time.time() + STALE_AFTER + 1) == [recent]


def test_only_folders_of_this_output_are_swept(tmp_path):
    dead = gone_pid()
    others = [
        leftover(tmp_path, f".other.staging-{dead}-abc123_x"),
        leftover(tmp_path, f".out2.staging-{dead}-abc123_x"),
        leftover(tmp_path, "out.staging-abc123_x"),
        leftover(tmp_path, "out"),
    ]
    a_file = tmp_path / f".out.staging-{dead}-file1234"
    a_file.write_text("not a folder")
    target = leftover(tmp_path, "elsewhere")
    link = tmp_path / f".out.staging-{dead}-link1234"
    link.symlink_to(target)
    os.utime(link, (LONG_AGO, LONG_AGO), follow_symlinks=False)
    assert sweep_leftovers(tmp_path / "out") == []
    assert all(p.exists() for p in [*others, a_file, link, target / "root.yaml"])


def test_a_build_sweeps_its_outputs_leftovers_and_leaves_none_of_its_own(tmp_path):
    stale = leftover(tmp_path, f".out.staging-{gone_pid()}-abc123_x")
    build(SPEC, tmp_path / "out", lint=False)
    build(SPEC, tmp_path / "out", lint=False)
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
