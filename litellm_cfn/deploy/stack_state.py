"""What to do with a stack in each CloudFormation state, and the stack policy that guards data.

Pure: no AWS calls. The deployer asks `next_step` before creating a change set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from awacs.aws import Action, Allow, Deny, Policy, Principal, Statement

CHANGE_SET_PREFIX = "litellm-cfn-"

# CloudFormation's stack states the deploy steps decide on, spelled once.
REVIEW_IN_PROGRESS = "REVIEW_IN_PROGRESS"  # an empty stack holding a first change set
ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"  # a failed creation: it can only be deleted
DELETE_COMPLETE = "DELETE_COMPLETE"

COMPLETE = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)


def succeeded(status: str) -> bool:
    """Whether a stack operation ended as asked: complete, and not by rolling back (a
    deletion's DELETE_COMPLETE included)."""
    return status.endswith("_COMPLETE") and "ROLLBACK" not in status


@dataclass(frozen=True)
class Step:
    """The deployer's next move: `create`, `update`, `wait`, `recreate` (delete a failed
    creation, then wait) or `stop` (with why and how)."""

    kind: str
    message: str = ""


def next_step(status: str | None, stack: str, recreate_failed: bool = False) -> Step:
    """What a deploy does with `stack` in `status` (None: the stack does not exist)."""
    if status is None or status in (REVIEW_IN_PROGRESS, DELETE_COMPLETE):
        return Step("create")
    if status in COMPLETE:
        return Step("update")
    if status == ROLLBACK_COMPLETE:
        if recreate_failed:
            return Step(
                "recreate", f"{stack} failed to create; it will be deleted and created again"
            )
        return Step(
            "stop",
            f"{stack} failed to create and was rolled back (ROLLBACK_COMPLETE); it can only be "
            "deleted. Rerun with --recreate-failed to delete and create it again.",
        )
    if status.endswith("_IN_PROGRESS"):
        return Step("wait", f"{stack} is {status}; waiting for it to finish")
    if status == "UPDATE_ROLLBACK_FAILED":
        return Step(
            "stop",
            f"{stack} is UPDATE_ROLLBACK_FAILED: continue its rollback with "
            "`litellm-cfn recover SPEC` (it lists what failed to roll back), then deploy again.",
        )
    return Step(
        "stop",
        f"{stack} is {status}; resolve it in the CloudFormation console or delete the stack, "
        "then deploy again.",
    )


def change_set_name(*parts: str) -> str:
    """`litellm-cfn-<12 hex>`: the same templates and parameters give the same name."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]
    return f"{CHANGE_SET_PREFIX}{digest}"


def stack_policy(protected: Iterable[str]) -> str:
    """A stack policy denying replacement and deletion of `protected` logical ids.

    Stack policy syntax, not IAM: the principal must be "*", and once a policy is set every
    update is denied unless allowed, hence the trailing allow on every resource.
    """
    ids = sorted(set(protected))
    statements = []
    if ids:
        statements.append(
            Statement(
                Sid="KeepTheData",
                Effect=Deny,
                Principal=Principal("*"),
                Action=[Action("Update", "Replace"), Action("Update", "Delete")],
                Resource=[f"LogicalResourceId/{logical_id}" for logical_id in ids],
            )
        )
    statements.append(
        Statement(
            Sid="AllowEverythingElse",
            Effect=Allow,
            Principal=Principal("*"),
            Action=[Action("Update", "*")],
            Resource=["*"],
        )
    )
    return Policy(Statement=statements).to_json(indent=2, sort_keys=False)
