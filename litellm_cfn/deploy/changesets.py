"""The change-set lifecycle: prepare (package, create, review), execute, and delete.

Thin over boto3: what to do in which state (`stack_state`), how to read a change set
(`review`) and how to watch (`events`) are pure and tested on their own.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from litellm_cfn.deploy.aws import described_stack, does_not_exist
from litellm_cfn.deploy.events import EventLog, as_root_cause, watch
from litellm_cfn.deploy.guard import Guarded, set_policies
from litellm_cfn.deploy.package import Packaged
from litellm_cfn.deploy.review import Review, StackReview, stack_changes
from litellm_cfn.deploy.stack_state import (
    REVIEW_IN_PROGRESS,
    ROLLBACK_COMPLETE,
    change_set_name,
    next_step,
    succeeded,
)
from litellm_cfn.errors import InputError, LitellmCfnError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
Echo = Callable[[str], None]
# Nothing to guard: no stack, an empty one holding a change set, or a failed creation.
UNGUARDED = (None, REVIEW_IN_PROGRESS, ROLLBACK_COMPLETE)


def poll_seconds() -> float:
    """Seconds between status polls: 3, or `LITELLM_CFN_POLL_SECONDS` (the tests use 0)."""
    text = os.environ.get("LITELLM_CFN_POLL_SECONDS", "3")
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not (math.isfinite(seconds) and seconds >= 0):
        raise InputError(
            f"LITELLM_CFN_POLL_SECONDS must be a number of seconds (0 or more), got {text[:40]!r}"
        )
    return seconds


@dataclass(frozen=True)
class ChangeSet:
    """A change set ready for review: created by this run, or found left for review by an
    earlier one (`deploy --no-execute`, `diff --keep`), which only its creator may delete."""

    id: str
    created: bool


@dataclass(frozen=True)
class Prepared:
    """A change set and its review; `change_set` is None when nothing changes."""

    stack_name: str
    change_set: ChangeSet | None
    change_type: str
    review: Review | None

    @property
    def change_set_id(self) -> str | None:
        """The change set's id, or None when nothing changes."""
        return self.change_set.id if self.change_set else None


class Deployer:
    """One stack's change sets, through one CloudFormation client."""

    def __init__(self, cloudformation: Any, echo: Echo, poll_seconds: float = 3.0) -> None:
        self.cfn = cloudformation
        self.echo = echo
        self.poll_seconds = poll_seconds

    # -- state -------------------------------------------------------------------------
    def status(self, stack_name: str) -> str | None:
        """The stack's status, or None when it does not exist."""
        stack = described_stack(self.cfn, stack_name)
        return None if stack is None else str(stack["StackStatus"])

    def settle(self, stack_name: str, recreate_failed: bool = False) -> str:
        """Wait out any operation in progress; return "create" or "update", or refuse."""
        while True:
            step = next_step(self.status(stack_name), stack_name, recreate_failed)
            if step.kind in ("create", "update"):
                return step.kind
            if step.kind == "stop":
                raise LitellmCfnError(step.message)
            self.echo(step.message)
            if step.kind == "recreate":
                self.cfn.delete_stack(StackName=stack_name)
            time.sleep(self.poll_seconds)

    # -- change sets -------------------------------------------------------------------
    def create_change_set(
        self,
        stack_name: str,
        packaged: Packaged,
        change_type: str,
        tags: dict[str, str],
        parameters: dict[str, str] | None = None,
        to_import: list[dict[str, Any]] | None = None,
    ) -> ChangeSet | None:
        """The change set for `packaged`: one left for review with the same content (its name
        is a hash of it), or a new one, waited for; None when nothing would change. With
        `to_import` (ResourcesToImport), an IMPORT change set, which CloudFormation lets
        reach no nested stack."""
        template: dict[str, Any] = (
            {"TemplateBody": packaged.root_body}
            if packaged.root_body is not None
            else {"TemplateURL": packaged.root_url}
        )
        given = sorted((parameters or {}).items())
        if given:
            template["Parameters"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in given]
        if to_import:
            template["ResourcesToImport"] = to_import
        name = change_set_name(
            stack_name,
            packaged.root_body or packaged.root_url or "",
            str(tags),
            *([str(given)] if given else []),
            *([str(to_import)] if to_import else []),
        )
        left = self._left_for_review(stack_name, name)
        if left is not None:
            self.echo(f"reviewing the change set left for review: {left}")
            return ChangeSet(left, created=False)
        kind = "import" if to_import else change_type
        created = self._create(stack_name, name, kind, tags, template, nested=not to_import)
        return None if created is None else ChangeSet(created, created=True)

    def _left_for_review(self, stack_name: str, name: str) -> str | None:
        """The id of our change set `name` if one is ready to execute; one that is not (a
        failed one) is deleted, so the name is free again."""
        from botocore.exceptions import ClientError

        if self.status(stack_name) is None:
            return None
        try:
            found = self.cfn.describe_change_set(ChangeSetName=name, StackName=stack_name)
        except ClientError as error:
            # AWS answers ChangeSetNotFound; moto a ValidationError that "does not exist".
            if error.response["Error"].get("Code") == "ChangeSetNotFound" or does_not_exist(error):
                return None
            raise
        if found["Status"] == "CREATE_COMPLETE" and found.get("ExecutionStatus") == "AVAILABLE":
            return str(found["ChangeSetId"])
        self.cfn.delete_change_set(ChangeSetName=found["ChangeSetId"])
        return None

    def _create(
        self,
        stack_name: str,
        name: str,
        change_type: str,
        tags: dict[str, str],
        template: dict[str, Any],
        nested: bool = True,
    ) -> str | None:
        """Create the change set (with its nested stacks' unless not `nested`) and wait for
        it; deleted again if that fails or nothing would change."""
        from botocore.exceptions import ClientError

        try:
            created = self.cfn.create_change_set(
                StackName=stack_name,
                ChangeSetName=name,
                ChangeSetType=change_type.upper(),
                Capabilities=CAPABILITIES,
                IncludeNestedStacks=nested,
                Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
                Description="created by litellm-cfn",
                **template,
            )
        except ClientError as error:
            # Some endpoints (moto, given parameters) refuse an unchanged stack at once
            # instead of failing the change set as CloudFormation does.
            if any(marker in str(error) for marker in NO_CHANGES):
                return None
            raise
        change_set_id = str(created["Id"])
        try:
            return self._wait_for(change_set_id)
        except BaseException:
            self.delete_change_set(change_set_id)
            raise

    def _wait_for(self, change_set_id: str) -> str | None:
        while True:
            description = self.cfn.describe_change_set(ChangeSetName=change_set_id)
            status = description["Status"]
            if status == "CREATE_COMPLETE":
                return change_set_id
            if status == "FAILED":
                reason = description.get("StatusReason", "")
                self.cfn.delete_change_set(ChangeSetName=change_set_id)
                if any(marker in reason for marker in NO_CHANGES):
                    return None
                raise LitellmCfnError(f"CloudFormation refused the change set: {reason}")
            time.sleep(self.poll_seconds)

    def delete_change_set(self, change_set_id: str) -> Exception | None:
        """Delete a change set this run created, as far as the endpoint lets it: the failure,
        if it did not (an executed change set is gone already)."""
        try:
            self.cfn.delete_change_set(ChangeSetName=change_set_id)
        except Exception as error:
            return None if does_not_exist(error) else error
        return None

    def discard_empty(self, stack_name: str) -> None:
        """Delete the stack if it is only the empty shell a creating change set made."""
        if self.status(stack_name) == REVIEW_IN_PROGRESS:
            self.cfn.delete_stack(StackName=stack_name)

    def review(self, change_set_id: str, stack_name: str) -> Review:
        """The change set and every nested change set it points to, followed recursively."""
        stacks: list[StackReview] = []
        pending = [(stack_name, change_set_id)]
        while pending:
            label, current = pending.pop(0)
            description = self._describe_all_pages(current)
            stack, nested = stack_changes(label, description)
            stacks.append(stack)
            pending += [(f"{label}/{logical}", nested_id) for logical, nested_id in nested]
        return Review(tuple(stacks))

    def _describe_all_pages(self, change_set_id: str) -> dict[str, Any]:
        description = self.cfn.describe_change_set(ChangeSetName=change_set_id)
        changes = list(description.get("Changes", []))
        while description.get("NextToken"):
            description = self.cfn.describe_change_set(
                ChangeSetName=change_set_id, NextToken=description["NextToken"]
            )
            changes += description.get("Changes", [])
        return {**description, "Changes": changes}

    # -- execution -----------------------------------------------------------------------
    def guard(self, stack_name: str, protected: Guarded, allowed: Iterable[str]) -> None:
        """Set stack policies denying replacement and deletion of stateful resources, on the
        root and each nested stack, except those `allowed` for this execution (as `LogicalId`,
        `NestedStack/LogicalId` or `<stack name>/NestedStack/LogicalId`)."""
        if self.status(stack_name) not in UNGUARDED:
            set_policies(self.cfn, stack_name, protected, allowed)

    def after_last_event(self, stack_name: str) -> datetime:
        """Just after the stack's newest event, by CloudFormation's clock (never the local
        one, which may be skewed): the events of an operation started now come after it."""
        events = self.cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
        newest = max((e["Timestamp"] for e in events), default=None)
        if newest is None:
            return datetime.min.replace(tzinfo=timezone.utc)
        return newest + timedelta(microseconds=1)

    def execute(
        self,
        stack_name: str,
        change_set_id: str,
        total: int | None,
        not_started: Callable[[], object] = lambda: None,
    ) -> EventLog:
        """Execute and watch; raise with the root cause if the stack does not end complete.
        If anything fails before the execution has started, `not_started` runs first."""
        try:
            (stack,) = self.cfn.describe_stacks(StackName=stack_name)["Stacks"]
            since = self.after_last_event(stack["StackId"])
            self.cfn.execute_change_set(ChangeSetName=change_set_id)
        except BaseException:
            not_started()
            raise
        return self.watch(stack["StackId"], since, total)

    def watch(self, stack_id: str, since: datetime, total: int | None = None) -> EventLog:
        """Stream events until the stack settles; raise with the root cause on failure."""
        status, log = watch(self.cfn, stack_id, since, self.echo, total, self.poll_seconds)
        if succeeded(status):
            return log
        cause = log.root_cause()
        detail = f"\nroot cause: {as_root_cause(cause)}" if cause else ""
        raise LitellmCfnError(f"{stack_id} ended {status}{detail}")

    def protect_from_deletion(self, stack_name: str, enabled: bool) -> None:
        """Turn termination protection on or off."""
        self.cfn.update_termination_protection(
            StackName=stack_name, EnableTerminationProtection=enabled
        )
