"""The console-script entry point, tuned for a short-lived process."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from typing import NoReturn

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.errors import EXIT_FAILED, Terminated, cannot_write


def main() -> None:
    """Console-script entry point, tuned for a short-lived process.

    Measured on `build --no-lint` (see bench/): discovering pydantic plugins scans every
    installed distribution's entry points, garbage collection runs many times while pydantic
    and troposphere import, and tearing the interpreter down frees every object one by one.
    Together they were a fifth of the run. None is needed: the spec models use no plugins,
    and the operating system reclaims a finished process's memory at once. Every command has
    returned, and closed its files, by the time the process exits.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.disable()
    # Unwind on SIGTERM as on Ctrl-C, so a build's staging folder is removed, not left behind.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="litellm-cfn")
        code = 0
    except SystemExit as exit:
        code = _exit_code(exit.code)
    except Terminated as stop:
        click.echo(str(stop), err=True)
        code = stop.exit_code
    _flush_and_exit(code)


def _terminate(signum: int, frame: object) -> NoReturn:
    """SIGTERM as an exception raised where the program was; a second one ends it at once."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Terminated


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)
    return EXIT_FAILED


def _flush_and_exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader went away (`| head`) or the stream is closed: nothing to keep
        except OSError as error:  # a full disk (`> /dev/full`), a lost terminal
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"{cannot_write(error)}\n")
                sys.stderr.flush()
            code = code or EXIT_FAILED
    os._exit(code)
