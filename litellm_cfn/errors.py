"""The one exception family of litellm-cfn; the CLI edge turns each into a message and exit code."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from dataclasses import dataclass

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_APPROVAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + 15  # SIGTERM, as a shell reports a process it ended

# A file system that refuses a write for want of room: what the user can fix, never our bug.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def shown(value: object, limit: int = 60) -> str:
    """`value`'s repr for a message, cut to about `limit` characters: hostile input can be huge."""
    text = repr(value)
    if len(text) <= limit:
        return text
    quote = text[-1] if isinstance(value, str) else ""
    return text[: limit - 3 - len(quote)] + "..." + quote


def cannot_write(error: OSError) -> str:
    """A failed write in words: which file, and what the system said."""
    where = f"{error.filename}: " if error.filename else ""
    full = (
        " (the disk is full: free some space and run it again)" if error.errno in DISK_FULL else ""
    )
    return f"{where}cannot write: {error.strerror or error}{full}"


@dataclass(frozen=True)
class Problem:
    """One located finding about a spec: an error or a warning."""

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}:"
        what = f" {self.path}:" if self.path else ""
        label = " warning:" if self.severity == "warning" else ""
        return f"{where}{what}{label} {self.message}"


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted as a reader meets them: by line, column, then field."""
    return sorted(problems, key=lambda p: (p.line, p.column, p.path))


class LitellmCfnError(Exception):
    """Base of every error the tool reports to a user without a traceback."""

    exit_code = EXIT_FAILED


class InputError(LitellmCfnError):
    """Bad input or usage: a missing file, an unreadable spec, a refused output folder."""

    exit_code = EXIT_BAD_INPUT


class SpecError(InputError):
    """A spec with one or more located problems, all reported at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [str(p) for p in self.problems]
        file = self.problems[0].file if self.problems else "spec"
        lines.append(f"{count} {noun} in {file}")
        super().__init__("\n".join(lines))


class BuildError(LitellmCfnError):
    """The spec was valid but the build failed: a quota exceeded or lint errors."""


class NeedsApproval(LitellmCfnError):
    """Stopped before changing anything for want of a person's yes: no terminal to ask on, or
    the answer was no."""

    exit_code = EXIT_NEEDS_APPROVAL


class Interrupted(LitellmCfnError):
    """Ctrl-C while watching: the operation goes on in CloudFormation; the message says how
    to follow or complete it."""

    exit_code = EXIT_INTERRUPTED


class InternalError(LitellmCfnError):
    """A bug in litellm-cfn itself (for example two stacks exporting one output name)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program was so that it unwinds as for Ctrl-C (staging
    folders are removed, a change set nobody approved is deleted, a watch stops saying the
    deployment goes on) and exits 143. A KeyboardInterrupt, so no `except Exception` on the
    way swallows it; the entry point reports it in one line."""

    exit_code = EXIT_TERMINATED

    def __str__(self) -> str:
        return "interrupted by SIGTERM"
