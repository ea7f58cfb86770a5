"""A fleet's stack sets as AWS holds them: each one's template and stack instances, read
with DescribeStackSet and ListStackInstances, and the stack sets a fleet made before, found by
the description every one of them carries.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSet.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackInstanceSummary.html
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# Where a stack instance runs: an account (self-managed) or an organizational unit
# (service-managed), and a region.
Place = tuple[str, str]

# Every stack set a fleet makes says so in its description. Stack set tags would do too, but
# StackSets propagates them to every stack instance and every resource in it.
DESCRIPTION_MARK = "litellm-cfn fleet"


def describe(fleet: str, stack_set: str, template_sha256: str) -> str:
    """The description of one of `fleet`'s stack sets: whose it is and which template it has."""
    return f"{DESCRIPTION_MARK} {fleet}: {stack_set}, template sha256 {template_sha256[:12]}"


def place_text(place: Place) -> str:
    """`111111111111/us-east-1`, as `--allow-remove` takes it and progress shows it."""
    return f"{place[0]}/{place[1]}"


@dataclass(frozen=True)
class Instance:
    """One stack instance, as ListStackInstances summarises it."""

    account: str
    region: str
    organizational_unit: str
    status: str  # CURRENT, OUTDATED or INOPERABLE
    detailed_status: str  # PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, INOPERABLE...
    drift: str
    stack_id: str
    reason: str = ""
    last_drift_check: str = ""

    def place(self, by_unit: bool) -> Place:
        """Where it runs, by organizational unit for service-managed stack sets."""
        return (self.organizational_unit if by_unit else self.account, self.region)


@dataclass(frozen=True)
class StackSetState:
    """A stack set as AWS holds it; `template_body` None when it does not exist."""

    name: str
    template_body: str | None
    description: str = ""
    instances: tuple[Instance, ...] = ()

    @property
    def exists(self) -> bool:
        """Whether the stack set exists (and is not deleted)."""
        return self.template_body is not None

    @property
    def template_sha256(self) -> str:
        """The SHA-256 of its template as stored: equal to a packaged root's when unchanged."""
        return hashlib.sha256((self.template_body or "").encode()).hexdigest()

    def places(self, by_unit: bool) -> dict[Place, Instance]:
        """Its instances by where they run (one per account and region; with organizational
        units, the first instance found for each unit and region stands for them)."""
        found: dict[Place, Instance] = {}
        for instance in self.instances:
            found.setdefault(instance.place(by_unit), instance)
        return found


def read_stack_set(cfn: Any, name: str, call_as: str = "SELF") -> StackSetState:
    """The stack set `name` and its instances, or an absent one."""
    from botocore.exceptions import ClientError

    try:
        described = cfn.describe_stack_set(StackSetName=name, CallAs=call_as)["StackSet"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "StackSetNotFoundException":
            return StackSetState(name, None)
        raise
    if described.get("Status") == "DELETED":
        return StackSetState(name, None)
    return StackSetState(
        name,
        str(described.get("TemplateBody", "")),
        str(described.get("Description", "")),
        tuple(_instances(cfn, name, call_as)),
    )


def _instances(cfn: Any, name: str, call_as: str) -> list[Instance]:
    found = []
    pages = cfn.get_paginator("list_stack_instances").paginate(StackSetName=name, CallAs=call_as)
    for page in pages:
        for summary in page.get("Summaries", []):
            checked = summary.get("LastDriftCheckTimestamp")
            found.append(
                Instance(
                    account=str(summary.get("Account", "")),
                    region=str(summary.get("Region", "")),
                    organizational_unit=str(summary.get("OrganizationalUnitId", "")),
                    status=str(summary.get("Status", "")),
                    detailed_status=str(
                        summary.get("StackInstanceStatus", {}).get("DetailedStatus", "")
                    ),
                    drift=str(summary.get("DriftStatus", "NOT_CHECKED")),
                    stack_id=str(summary.get("StackId", "")),
                    reason=" ".join(str(summary.get("StatusReason", "")).split())[:300],
                    last_drift_check=checked.isoformat() if checked else "",
                )
            )
    return sorted(found, key=lambda i: (i.account, i.region, i.organizational_unit))


def fleet_stack_sets(cfn: Any, fleet: str, call_as: str = "SELF") -> list[str]:
    """The active stack sets `fleet` made, by the mark in their descriptions."""
    mark = f"{DESCRIPTION_MARK} {fleet}:"
    names = []
    pages = cfn.get_paginator("list_stack_sets").paginate(Status="ACTIVE", CallAs=call_as)
    for page in pages:
        for summary in page.get("Summaries", []):
            active = summary.get("Status", "ACTIVE") == "ACTIVE"
            if active and str(summary.get("Description", "")).startswith(mark):
                names.append(str(summary["StackSetName"]))
    return sorted(set(names))
