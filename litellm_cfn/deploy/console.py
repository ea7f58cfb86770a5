"""How a flow talks to the person running it, passed in rather than imported: the CLI makes
one from click, tests make one that records (STYLE.md: a flow takes a place to print and a
way to ask, and knows nothing of click)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Console:
    """Where results, progress and warnings go, and how to ask a question.

    `progress` is where a flow's running commentary goes (stderr when stdout carries JSON);
    `confirm` and `prompt` may be called only when `interactive()` says someone can answer.
    """

    result: Callable[[str], None]
    progress: Callable[[str], None]
    warn: Callable[[str], None]
    confirm: Callable[[str], bool]
    prompt: Callable[[str], str]
    interactive: Callable[[], bool]
    colour: bool = False
