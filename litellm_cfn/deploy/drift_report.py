"""Drift of the root and every nested stack: pure data in, ranked text or JSON out.

Drifted resources are ranked like the review (`review`): stateful resources first (DATA AT
RISK: the next deploy puts the template's values back over whatever was changed by hand),
then access (ACCESS BROADENED: someone widened who may do what outside CloudFormation), then
the rest. A stack whose detection failed is reported with CloudFormation's reason, and is
never counted as in sync.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from litellm_cfn.deploy.review import ACCESS_TYPES, STATEFUL_TYPES

COMPLETE = "DETECTION_COMPLETE"
FAILED = "DETECTION_FAILED"
IN_PROGRESS = "DETECTION_IN_PROGRESS"
DRIFTED = "DRIFTED"
# What a value may take in the text report: a policy document can be kilobytes.
SHOWN_VALUE = 160


@dataclass(frozen=True)
class Difference:
    """One property of a resource that differs from the template (a PropertyDifference)."""

    path: str
    expected: str
    actual: str
    type: str


@dataclass(frozen=True)
class ResourceDrift:
    """One resource changed (MODIFIED) or deleted (DELETED) outside CloudFormation."""

    stack: str
    logical_id: str
    physical_id: str
    resource_type: str
    status: str
    differences: tuple[Difference, ...] = ()

    @property
    def qualified_id(self) -> str:
        """`<root stack name>/NestedStack/LogicalId`, as in the review."""
        return f"{self.stack}/{self.logical_id}"

    @property
    def risk(self) -> str | None:
        """`data_at_risk`, `access_broadened` or None, in the review's terms."""
        if self.resource_type in STATEFUL_TYPES and not self._key_policy_only:
            return "data_at_risk"
        if self.resource_type in ACCESS_TYPES or self._key_policy_only:
            return "access_broadened"
        return None

    @property
    def _key_policy_only(self) -> bool:
        paths = {d.path.strip("/").split("/")[0] for d in self.differences}
        return self.resource_type == "AWS::KMS::Key" and paths == {"KeyPolicy"}


@dataclass(frozen=True)
class StackDrift:
    """One stack's detection: how it ended, why, and what drifted."""

    stack: str
    stack_id: str
    detection_status: str
    drift_status: str
    reason: str = ""
    resources: tuple[ResourceDrift, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether detection failed on it (results may cover only some of its resources)."""
        return self.detection_status != COMPLETE


@dataclass(frozen=True)
class DriftReport:
    """Every stack's drift, root first."""

    stacks: tuple[StackDrift, ...]

    @property
    def resources(self) -> list[ResourceDrift]:
        """Drifted resources, data at risk first, then access broadened, then the rest."""
        found = [r for stack in self.stacks for r in stack.resources]
        order = {"data_at_risk": 0, "access_broadened": 1, None: 2}
        return sorted(found, key=lambda r: order[r.risk])

    @property
    def failed(self) -> list[StackDrift]:
        """Stacks whose detection failed."""
        return [s for s in self.stacks if s.failed]

    @property
    def drifted(self) -> list[StackDrift]:
        """Stacks CloudFormation found drifted, or with drifted resources."""
        return [s for s in self.stacks if s.drift_status == DRIFTED or s.resources]

    @property
    def in_sync(self) -> bool:
        """True only when every stack's detection completed and found nothing."""
        return not (self.failed or self.drifted)

    def summary(self, stack: str) -> str:
        """The last line: in sync, or what drifted and where detection failed."""
        total = len(self.stacks)
        if self.in_sync:
            return f"{stack}: in sync ({_count(total, 'stack')} checked)"
        parts = []
        if self.drifted:
            resources = _count(len(self.resources), "resource")
            parts.append(f"{resources} in {len(self.drifted)} of {_count(total, 'stack')}")
        if self.failed:
            parts.append(f"detection failed on {len(self.failed)} of {_count(total, 'stack')}")
        verdict = "drifted" if self.drifted else "not known to be in sync"
        return f"{stack}: {verdict}: {'; '.join(parts)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def stack_drift(stack: str, status: dict[str, Any], drifts: list[dict[str, Any]]) -> StackDrift:
    """A DescribeStackDriftDetectionStatus answer and its stack's StackResourceDrifts."""
    return StackDrift(
        stack=stack,
        stack_id=status["StackId"],
        detection_status=status["DetectionStatus"],
        drift_status=status.get("StackDriftStatus", "UNKNOWN"),
        reason=status.get("DetectionStatusReason", ""),
        resources=tuple(resource_drift(stack, entry) for entry in drifts),
    )


def resource_drift(stack: str, entry: dict[str, Any]) -> ResourceDrift:
    """One StackResourceDrift entry."""
    return ResourceDrift(
        stack=stack,
        logical_id=entry["LogicalResourceId"],
        physical_id=entry.get("PhysicalResourceId", ""),
        resource_type=entry["ResourceType"],
        status=entry["StackResourceDriftStatus"],
        differences=tuple(
            Difference(d["PropertyPath"], d["ExpectedValue"], d["ActualValue"], d["DifferenceType"])
            for d in entry.get("PropertyDifferences", [])
        ),
    )


_HEADINGS = (
    (
        "data_at_risk",
        "DATA AT RISK (stateful resources changed outside CloudFormation):",
        "1;31",
    ),
    ("access_broadened", "ACCESS BROADENED (check who may now do what):", "1;33"),
    (None, "DRIFTED:", "1"),
)


def render_text(report: DriftReport, colour: bool = False) -> str:
    """The drift for a person: ranked resources with their differences, then failures, each
    block followed by an empty line (nothing at all when in sync)."""

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    lines: list[str] = []
    resources = report.resources
    for risk, heading, code in _HEADINGS:
        ranked = [r for r in resources if r.risk == risk]
        if not ranked:
            continue
        lines.append(paint(heading, code))
        for resource in ranked:
            lines += _resource_lines(resource)
        lines.append("")
    if report.failed:
        lines.append(paint("DETECTION FAILED (not known to be in sync):", "1;31"))
        lines += [f"  {s.stack}: {s.reason or s.detection_status}" for s in report.failed]
        lines.append("")
    return "\n".join(lines)


def _resource_lines(resource: ResourceDrift) -> list[str]:
    physical = f" {resource.physical_id}" if resource.physical_id else ""
    lines = [f"  {resource.status} {resource.qualified_id} ({resource.resource_type}){physical}"]
    lines += [
        f"    {d.type} {d.path}: expected {_shown(d.expected)}, actual {_shown(d.actual)}"
        for d in resource.differences
    ]
    return lines


def _shown(value: str) -> str:
    one_line = " ".join(value.split())
    if len(one_line) > SHOWN_VALUE:
        return one_line[: SHOWN_VALUE - 3] + "..."
    return one_line


def render_json(report: DriftReport, stack: str) -> str:
    """The drift for machines: every stack's detection, and the drifted resources ranked."""
    document = {
        "stack": stack,
        "in_sync": report.in_sync,
        "stacks": [
            {
                "stack": s.stack,
                "stack_id": s.stack_id,
                "detection_status": s.detection_status,
                "drift_status": s.drift_status,
                "reason": s.reason,
            }
            for s in report.stacks
        ],
        "resources": [asdict(r) | {"risk": r.risk} for r in report.resources],
        "data_at_risk": [r.qualified_id for r in report.resources if r.risk == "data_at_risk"],
        "access_broadened": [
            r.qualified_id for r in report.resources if r.risk == "access_broadened"
        ],
        "detection_failed": [s.stack for s in report.failed],
    }
    return json.dumps(document, indent=2)
