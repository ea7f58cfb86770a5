"""Stack set operations, each waited for with progress per target: create and update a stack
set, create, update and delete stack instances, detect drift.

One operation runs on a stack set at a time, so the calls of a wave follow one another.
StackSets creates an instance in every account given in every region given, so places that
are not such a product are sent as several calls, accounts grouped by their regions.
Deleting instances deletes their stacks (`RetainStacks` false), so what the templates retain
is all that stays. Progress per target is ListStackSetOperationResults'.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackInstances.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSetOperationResults.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from litellm_cfn.deploy.changesets import CAPABILITIES
from litellm_cfn.deploy.package import Packaged
from litellm_cfn.errors import Interrupted, LitellmCfnError, Terminated
from litellm_cfn.fleet.stacksets import Place, place_text

DONE = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})
# A stack set operation runs for minutes to hours, and each poll is two calls (the operation
# and its results per target): poll five times slower than a stack's events.
POLL_FACTOR = 5
# Each target's result as ListStackSetOperationResults gives it.
FAILED_RESULTS = frozenset({"FAILED", "CANCELLED"})


class OperationFailed(LitellmCfnError):
    """A stack set operation ended without succeeding everywhere."""


@dataclass(frozen=True)
class Permissions:
    """How a stack set reaches its accounts: the API arguments of its permission model."""

    model: str = "SELF_MANAGED"
    call_as: str = "SELF"
    administration_role_arn: str | None = None
    execution_role_name: str | None = None
    auto_deployment: dict[str, bool] | None = None
    # Service-managed stack sets provision nested stacks only through a custom execution role.
    execution_role_template: str | None = None
    output_bucket: str | None = None

    @property
    def by_unit(self) -> bool:
        """Whether instances are placed by organizational unit."""
        return self.model == "SERVICE_MANAGED"

    def stack_set_arguments(self) -> dict[str, Any]:
        """The arguments CreateStackSet and UpdateStackSet take for these permissions."""
        arguments: dict[str, Any] = {"PermissionModel": self.model, "CallAs": self.call_as}
        optional = {
            "AdministrationRoleARN": self.administration_role_arn,
            "ExecutionRoleName": self.execution_role_name,
            "AutoDeployment": self.auto_deployment,
            "ExecutionRoleTemplateBody": self.execution_role_template,
            "StackSetOutputBucket": self.output_bucket,
        }
        return arguments | {k: v for k, v in optional.items() if v is not None}

    def target_groups(self, places: Iterable[Place]) -> list[dict[str, Any]]:
        """The places as calls' targets: accounts (or units) grouped by their regions."""
        regions_of: dict[str, set[str]] = {}
        for where, region in places:
            regions_of.setdefault(where, set()).add(region)
        grouped: dict[tuple[str, ...], list[str]] = {}
        for where, found in regions_of.items():
            grouped.setdefault(tuple(sorted(found)), []).append(where)
        calls = []
        for regions, targets in sorted(grouped.items()):
            key = (
                {"DeploymentTargets": {"OrganizationalUnitIds": sorted(targets)}}
                if self.by_unit
                else {"Accounts": sorted(targets)}
            )
            calls.append({**key, "Regions": list(regions)})
        return calls


def template_arguments(packaged: Packaged) -> dict[str, str]:
    """The packaged root as TemplateBody, or TemplateURL when it had to be uploaded."""
    if packaged.root_body is not None:
        return {"TemplateBody": packaged.root_body}
    return {"TemplateURL": str(packaged.root_url)}


class StackSetOperations:
    """Runs one stack set operation at a time and waits for it, reporting each target."""

    def __init__(
        self,
        cfn: Any,
        permissions: Permissions,
        echo: Callable[[str], None],
        poll: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`poll`: the seconds between polls of a stack (`poll_seconds()`); an operation is
        polled `POLL_FACTOR` times slower."""
        self.cfn = cfn
        self.permissions = permissions
        self.echo = echo
        self.poll = poll * POLL_FACTOR
        self.sleep = sleep

    def create_stack_set(self, name: str, packaged: Packaged, description: str) -> None:
        """Create the stack set (which deploys nothing by itself)."""
        self.cfn.create_stack_set(
            StackSetName=name,
            Description=description,
            Capabilities=CAPABILITIES,
            **template_arguments(packaged),
            **self.permissions.stack_set_arguments(),
        )
        self.echo(f"{name}: stack set created")

    def update_template(
        self,
        name: str,
        packaged: Packaged,
        description: str,
        places: tuple[Place, ...],
        preferences: dict[str, Any],
    ) -> None:
        """Give the stack set its new template, rolling it out to `places` only (every other
        instance becomes OUTDATED); no places: a stack set without instances."""
        arguments = {
            "StackSetName": name,
            "Description": description,
            "Capabilities": CAPABILITIES,
            **template_arguments(packaged),
            **self.permissions.stack_set_arguments(),
        }
        if not places:
            self._run(name, "new template", self.cfn.update_stack_set(**arguments))
            return
        for targets in self.permissions.target_groups(places):
            operation = self.cfn.update_stack_set(
                **arguments, **targets, OperationPreferences=preferences
            )
            self._run(name, "update", operation)
            arguments = {  # the template is the stack set's now: the next group reuses it
                "StackSetName": name,
                "Description": description,
                "UsePreviousTemplate": True,
                "Capabilities": CAPABILITIES,
                **self.permissions.stack_set_arguments(),
            }

    def update_instances(
        self, name: str, places: tuple[Place, ...], preferences: dict[str, Any]
    ) -> None:
        """Bring instances to the stack set's current template (UsePreviousTemplate)."""
        for targets in self.permissions.target_groups(places):
            operation = self.cfn.update_stack_set(
                StackSetName=name,
                UsePreviousTemplate=True,
                Capabilities=CAPABILITIES,
                OperationPreferences=preferences,
                **targets,
                **self.permissions.stack_set_arguments(),
            )
            self._run(name, "update", operation)

    def create_instances(
        self, name: str, places: tuple[Place, ...], preferences: dict[str, Any]
    ) -> None:
        """Create stack instances at `places`."""
        for targets in self.permissions.target_groups(places):
            operation = self.cfn.create_stack_instances(
                StackSetName=name,
                OperationPreferences=preferences,
                CallAs=self.permissions.call_as,
                **targets,
            )
            self._run(name, "create", operation)

    def delete_instances(
        self, name: str, places: tuple[Place, ...], preferences: dict[str, Any]
    ) -> None:
        """Delete the stack instances at `places`, and their stacks (what the templates
        retain stays: see the README)."""
        for targets in self.permissions.target_groups(places):
            operation = self.cfn.delete_stack_instances(
                StackSetName=name,
                RetainStacks=False,
                OperationPreferences=preferences,
                CallAs=self.permissions.call_as,
                **targets,
            )
            self._run(name, "delete", operation)

    def delete_stack_set(self, name: str) -> None:
        """Delete a stack set left without instances."""
        self.cfn.delete_stack_set(StackSetName=name, CallAs=self.permissions.call_as)
        self.echo(f"{name}: stack set deleted")

    def detect_drift(self, name: str, preferences: dict[str, Any]) -> None:
        """Detect drift on every instance of the stack set, and wait for it."""
        operation = self.cfn.detect_stack_set_drift(
            StackSetName=name, OperationPreferences=preferences, CallAs=self.permissions.call_as
        )
        self._run(name, "drift detection", operation)

    def _run(self, name: str, label: str, started: dict[str, Any]) -> None:
        operation_id = str(started["OperationId"])
        try:
            self._wait(name, label, operation_id)
        except KeyboardInterrupt as stop:
            if isinstance(stop, Terminated):
                raise
            raise Interrupted(
                f"\ninterrupted: the {label} operation {operation_id} on {name} goes on in "
                "AWS; `litellm-cfn fleet status` shows where it stands"
            ) from None

    def _wait(self, name: str, label: str, operation_id: str) -> None:
        seen: dict[Place, str] = {}
        while True:
            operation = self.cfn.describe_stack_set_operation(
                StackSetName=name, OperationId=operation_id, CallAs=self.permissions.call_as
            )["StackSetOperation"]
            results = self._results(name, operation_id)
            for place, (status, reason) in sorted(results.items()):
                if seen.get(place) != status:
                    seen[place] = status
                    why = f" ({reason})" if reason and status in FAILED_RESULTS else ""
                    self.echo(f"  {name} {label} {place_text(place)}: {status}{why}")
            status = str(operation.get("Status", ""))
            if status in DONE:
                break
            self.sleep(self.poll)
        failed = [p for p, (s, _) in results.items() if s in FAILED_RESULTS]
        if status != "SUCCEEDED" or failed:
            where = ", ".join(place_text(p) for p in sorted(failed)) or "no target reported"
            reason = " ".join(str(operation.get("StatusReason", "")).split())[:300]
            raise OperationFailed(
                f"{name}: the {label} operation {operation_id} ended {status} (failed: "
                f"{where}){'; ' + reason if reason else ''}"
            )

    def _results(self, name: str, operation_id: str) -> dict[Place, tuple[str, str]]:
        results: dict[Place, tuple[str, str]] = {}
        pages = self.cfn.get_paginator("list_stack_set_operation_results").paginate(
            StackSetName=name, OperationId=operation_id, CallAs=self.permissions.call_as
        )
        for page in pages:
            for summary in page.get("Summaries", []):
                place = (str(summary.get("Account", "")), str(summary.get("Region", "")))
                reason = " ".join(str(summary.get("StatusReason", "")).split())[:200]
                results[place] = (str(summary.get("Status", "")), reason)
        return results
