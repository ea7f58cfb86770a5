"""Asking a person before anything changes: without a terminal, stop and say how to approve
(exit 3); a no, or Ctrl-C at the question, abandons the change set."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import Target, abandon
from litellm_cfn.errors import Interrupted, LitellmCfnError, NeedsApproval

if TYPE_CHECKING:
    from litellm_cfn.deploy.changesets import ChangeSet


def stop_without_terminal(console: Console, message: str) -> None:
    """Nobody can answer without a terminal: stop with `message` (exit 3)."""
    if not console.interactive():
        raise NeedsApproval(message)


def approve_or_stop(console: Console, question: str, without_terminal: str) -> None:
    """Go on only if a person on a terminal says yes; otherwise stop (exit 3)."""
    stop_without_terminal(console, f"stopped for approval: {without_terminal}")
    if not console.confirm(question):
        raise NeedsApproval("declined")


def decline(
    target: Target, change_set: ChangeSet, why: LitellmCfnError, stack: str | None = None
) -> LitellmCfnError:
    """The one way a change set nobody approved ends: abandoned (from `stack`, by default the
    platform's), and the stop (`why`) that says so."""
    if abandon(target, change_set, stack):
        return type(why)(f"{why}; the change set was deleted")
    return type(why)(f"{why}; the change set {change_set.id} was left as it was")


def ask_to_execute(target: Target, change_set: ChangeSet, spec: Path) -> None:
    """Ask a person on a terminal; without one, stop and say how to approve. Ctrl-C at the
    question is a no, ending as an interruption (exit 130)."""
    stop_without_terminal(
        target.console,
        f"not executing without approval. Execute this change set with:\n"
        f"  litellm-cfn execute {spec} {change_set.id}\n"
        "or deploy again with --yes",
    )
    try:
        approved = target.console.confirm("Execute this change set?")
    except KeyboardInterrupt:
        raise decline(target, change_set, Interrupted("\ninterrupted at the question")) from None
    if not approved:
        raise decline(target, change_set, NeedsApproval("declined"))
