"""Recovering a platform stuck in UPDATE_ROLLBACK_FAILED: list the resources that failed to
roll back, skip the ones a person names, continue the rollback, watch it to
UPDATE_ROLLBACK_COMPLETE and set the strict stack policy again.

ContinueUpdateRollback is called on the root stack only, never on a nested one ("Don't specify
the name of a nested stack ... use this operation on the parent stack"), and rolls back the
nested stacks with it. `ResourcesToSkip` takes only resources in UPDATE_FAILED because the
rollback failed, a nested stack's as `NestedStackName.ResourceLogicalID`, where the nested
stack's name is its logical id in the parent, not its generated stack name; a nested stack
itself may be skipped only while it is being deleted (DELETE_IN_PROGRESS, DELETE_COMPLETE or
DELETE_FAILED). A skipped resource is marked UPDATE_COMPLETE, and its real state may no longer
match the template.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.review import NESTED_STACK, STATEFUL_TYPES
from litellm_cfn.deploy.stack_state import COMPLETE
from litellm_cfn.errors import InputError, LitellmCfnError, NeedsApproval, shown
from litellm_cfn.text import columns

UPDATE_ROLLBACK_FAILED = "UPDATE_ROLLBACK_FAILED"
UPDATE_ROLLBACK_COMPLETE = "UPDATE_ROLLBACK_COMPLETE"
UPDATE_FAILED = "UPDATE_FAILED"


@dataclass(frozen=True)
class FailedResource:
    """A resource left UPDATE_FAILED by a rollback, in the root (`nested` empty) or in the
    nested stack whose logical id in the root is `nested`."""

    root: str
    nested: str
    logical_id: str
    resource_type: str
    reason: str

    @property
    def stack(self) -> str:
        """The stack as the review names it: `litellm-prod` or `litellm-prod/RdsStack`."""
        return f"{self.root}/{self.nested}" if self.nested else self.root

    @property
    def qualified_id(self) -> str:
        """`<root>/NestedStack/LogicalId`, unique across the root and nested stacks."""
        return f"{self.stack}/{self.logical_id}"

    @property
    def names(self) -> frozenset[str]:
        """What `--skip` may name it by, as `--allow-replace` names a resource."""
        relative = f"{self.nested}/{self.logical_id}" if self.nested else self.logical_id
        return frozenset({self.logical_id, relative, self.qualified_id})

    @property
    def to_skip(self) -> str:
        """How ContinueUpdateRollback's `ResourcesToSkip` names it: `RdsStack.Database`."""
        return f"{self.nested}.{self.logical_id}" if self.nested else self.logical_id


def failed_resources(cloudformation: Any, root: str) -> list[FailedResource]:
    """The UPDATE_FAILED resources of the root stack and of each of its nested stacks."""
    summaries = _resources(cloudformation, root)
    found = [_failed(root, "", s) for s in summaries if s["ResourceStatus"] == UPDATE_FAILED]
    for summary in summaries:
        if summary["ResourceType"] == NESTED_STACK and summary.get("PhysicalResourceId"):
            nested = summary["LogicalResourceId"]
            found += [
                _failed(root, nested, s)
                for s in _resources(cloudformation, summary["PhysicalResourceId"])
                if s["ResourceStatus"] == UPDATE_FAILED
            ]
    return found


def _resources(cloudformation: Any, stack: str) -> list[dict[str, Any]]:
    paginator = cloudformation.get_paginator("list_stack_resources")
    return [
        s for page in paginator.paginate(StackName=stack) for s in page["StackResourceSummaries"]
    ]


def _failed(root: str, nested: str, summary: dict[str, Any]) -> FailedResource:
    reason = " ".join(str(summary.get("ResourceStatusReason", "")).split())
    return FailedResource(
        root, nested, summary["LogicalResourceId"], summary["ResourceType"], reason
    )


def as_table(failed: list[FailedResource]) -> str:
    """Stack, logical id, type and reason, one failed resource a line."""
    if not failed:
        return "no resource is UPDATE_FAILED: continuing the rollback retries it as it was"
    header = [("Stack", "Logical ID", "Type", "Reason")]
    rows = [(f.stack, f.logical_id, f.resource_type, f.reason) for f in failed]
    return "\n".join(["resources that failed to roll back:", *columns(header + rows)])


def resources_to_skip(failed: list[FailedResource], skip: Iterable[str]) -> list[FailedResource]:
    """The failed resources `skip` names; bad input (exit 2) if one names none of them, names
    more than one, or names a nested stack whose own failed resources are to be skipped."""
    chosen: list[FailedResource] = []
    for name in skip:
        matches = [f for f in failed if name in f.names]
        if not matches:
            listed = ", ".join(f.qualified_id for f in failed) or "none"
            raise InputError(
                f"--skip {shown(name)}: no resource that failed to roll back is named so; "
                f"those that did: {listed}"
            )
        if len(matches) > 1:
            raise InputError(
                f"--skip {shown(name)} names {len(matches)} failed resources: name one as "
                f"{' or '.join(m.qualified_id for m in matches)}"
            )
        (match,) = matches
        nested = match.resource_type == NESTED_STACK and not match.nested
        inside = [f.qualified_id for f in failed if nested and f.nested == match.logical_id]
        if inside:
            raise InputError(
                f"--skip {shown(name)}: {match.logical_id} is a nested stack, which "
                f"CloudFormation skips only while it is deleted; skip what failed in it "
                f"instead: {', '.join(inside)}"
            )
        if match not in chosen:
            chosen.append(match)
    return chosen


def recover(target: Target, skip: tuple[str, ...], yes: bool) -> str:
    """Continue the root stack's failed rollback, skipping what `skip` names, watch it and
    guard the stacks again; the status it ended in (or the one it was in, if nothing was
    stuck)."""
    stack = target.spec.stack_name
    status = target.deployer.status(stack)
    if status != UPDATE_ROLLBACK_FAILED:
        return _nothing_to_recover(target, status)
    failed = failed_resources(target.cfn, stack)
    target.console.result(as_table(failed))
    chosen = resources_to_skip(failed, skip)
    for resource in chosen:
        if resource.resource_type in STATEFUL_TYPES:
            target.console.warn(
                f"skipping {resource.qualified_id} ({resource.resource_type}): CloudFormation "
                "will consider it rolled back; its real state may differ from the template: "
                "check it, and make the template or the resource match, before the next deploy"
            )
    if not yes:
        _ask(target, chosen)
    _continue_and_watch(target, [r.to_skip for r in chosen])
    target.echo(f"{stack}: {UPDATE_ROLLBACK_COMPLETE}")
    return UPDATE_ROLLBACK_COMPLETE


def _nothing_to_recover(target: Target, status: str | None) -> str:
    """A stack not stuck: say so; fine (exit 0) only if it is settled and complete."""
    stack, spec = target.spec.stack_name, shlex.quote(str(target.spec_path))
    if status is None:
        raise LitellmCfnError(f"stack {stack} does not exist in {target.region}")
    message = f"{stack} is {status}, not {UPDATE_ROLLBACK_FAILED}: nothing to recover"
    if status in COMPLETE:
        target.echo(message)
        return status
    if status.endswith("_IN_PROGRESS"):
        raise LitellmCfnError(f"{message}; follow it with `litellm-cfn watch {spec}`")
    raise LitellmCfnError(message)


def _ask(target: Target, chosen: list[FailedResource]) -> None:
    """Go on only on a person's yes; without a terminal, stop printing the command (exit 3)."""
    from litellm_cfn.deploy.approval import stop_without_terminal

    stack = target.spec.stack_name
    options = "".join(f" --skip {shlex.quote(r.qualified_id)}" for r in chosen)
    stop_without_terminal(
        target.console,
        "not continuing the rollback without approval. Continue it with:\n"
        f"  litellm-cfn recover {shlex.quote(str(target.spec_path))}{options} --yes",
    )
    skipping = f", skipping {', '.join(r.qualified_id for r in chosen)}" if chosen else ""
    if not target.console.confirm(f"Continue rolling back {stack}{skipping}?"):
        raise NeedsApproval("declined: nothing changed")


def _continue_and_watch(target: Target, to_skip: list[str]) -> None:
    """ContinueUpdateRollback on the root, then watch it settle and set the strict stack
    policy and termination protection again (`then_guard`)."""
    from litellm_cfn.deploy.events import watch
    from litellm_cfn.deploy.execution import protected_ids, then_guard

    stack = target.spec.stack_name
    (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
    stack_id = described["StackId"]
    since = target.deployer.after_last_event(stack_id)
    target.cfn.continue_update_rollback(StackName=stack, ResourcesToSkip=to_skip)

    def settle() -> None:
        # Deployer.watch takes any rollback for a failure; here one complete is the goal.
        deployer = target.deployer
        status, log = watch(target.cfn, stack_id, since, target.echo, None, deployer.poll_seconds)
        if status != UPDATE_ROLLBACK_COMPLETE:
            cause = log.root_cause()
            detail = f"\nroot cause: {cause.logical_id}: {cause.reason}" if cause else ""
            raise LitellmCfnError(
                f"{stack} ended {status}{detail}\nsee what failed again with: "
                f"litellm-cfn recover {shlex.quote(str(target.spec_path))}"
            )

    then_guard(target, protected_ids(target), (), settle)
