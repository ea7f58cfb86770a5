"""SIGTERM ends the installed program as Ctrl-C would: it unwinds, cleans up, exits 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

PLATFORM = str(REPO / "specs" / "platform.yaml")


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_sigterm_during_a_build_leaves_no_staging_folder_and_exits_143(tmp_path):
    # A fresh lint cache, so cfn-lint runs (about 2 s) while the staging folder exists.
    env = os.environ | {"LITELLM_CFN_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "litellm_cfn", "build", PLATFORM, "--out", "out"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.staging-*")):
            assert process.poll() is None, "the build ended before its staging folder was seen"
            assert time.monotonic() < deadline, "no staging folder within 60 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, stderr
    assert stderr.endswith("interrupted by SIGTERM\n"), stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert "built" not in stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == []
