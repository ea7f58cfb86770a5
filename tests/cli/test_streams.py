"""The installed program when its output cannot be written: a reader that went away
(`| head`) ends it quietly, a full disk (`> /dev/full`) is said in one line, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PLATFORM = str(REPO / "specs" / "platform.yaml")
DISK_FULL = (
    b"cannot write: No space left on device (the disk is full: free some space and run it again)\n"
)
COMMANDS = [("schema",), ("validate", PLATFORM)]


def program() -> list[str]:
    """The console script installed next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("litellm-cfn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "litellm_cfn"]


def assert_no_internal_error(stderr: bytes) -> None:
    assert b"internal error" not in stderr and b"Traceback" not in stderr, stderr


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_reader_gone_before_the_first_write_ends_it_quietly_with_exit_1(args):
    reader, writer = os.pipe()
    os.close(reader)  # as `| head` does once it has read enough: every write fails (EPIPE)
    try:
        finished = subprocess.run(
            [*program(), *args], stdout=writer, stderr=subprocess.PIPE, cwd=REPO, timeout=60
        )
    finally:
        os.close(writer)
    assert_no_internal_error(finished.stderr)
    assert finished.stderr == b""
    assert finished.returncode == 1  # click's exit code for a closed pipe


def test_schema_piped_into_head_ends_quietly():
    process = subprocess.Popen(
        [*program(), "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.read(10)
        process.stdout.close()
        stderr = process.stderr.read()
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert first == b'{\n  "$sche'
    assert_no_internal_error(stderr)
    assert stderr == b""
    # 0 if the schema (33 kB) fit in the pipe before `head` closed it, else 1 (EPIPE).
    assert code in (0, 1)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_output_to_a_full_disk_is_said_in_one_line_with_exit_1(args):
    with Path("/dev/full").open("wb") as full:
        finished = subprocess.run(
            [*program(), *args], stdout=full, stderr=subprocess.PIPE, cwd=REPO, timeout=60
        )
    assert finished.stderr == DISK_FULL
    assert finished.returncode == 1
