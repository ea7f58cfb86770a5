"""`drift`: detect drift on the root stack and on every nested stack, and report it ranked.

CloudFormation's DetectStackDrift does not look into nested stacks ("When detecting drift on a
stack, CloudFormation doesn't detect drift on any nested stacks belonging to that stack.
Perform DetectStackDrift directly on the nested stack itself",
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DetectStackDrift.html),
so each stack gets its own detection. They are all started first, a few at a time, then
each is polled (DescribeStackDriftDetectionStatus,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackDriftDetectionStatus.html)
until it completes or fails; DETECTION_FAILED still has results "for resources on which
CloudFormation successfully completed drift detection". A drifted stack's MODIFIED and DELETED
resources are then read, page by page (DescribeStackResourceDrifts,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResourceDrifts.html).
Only resource types that support drift detection are checked, and only the properties the
template sets
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-supported-resources.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.drift_report import (
    DRIFTED,
    IN_PROGRESS,
    DriftReport,
    render_json,
    render_text,
    stack_drift,
)
from litellm_cfn.errors import LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.deploy.console import Console
    from litellm_cfn.deploy.flow import Target

# Detections running at once: CloudFormation throttles, and the client retries throttling,
# but a platform's seven stacks need no more than a few at a time.
MAX_DETECTIONS = 4
DRIFT_FILTERS = ["MODIFIED", "DELETED"]


def detect_drift(target: Target, output: str) -> DriftReport:
    """Detect drift on the root and every nested stack, print it (`output`: text or json),
    and return it; the last line printed says whether the platform is in sync."""
    from litellm_cfn.deploy.changesets import poll_seconds

    root = target.stack_name
    stacks = {root: root} | {
        f"{root}/{logical_id}": physical_id
        for logical_id, physical_id in _nested_stacks(target.cfn, root, target.region).items()
    }
    target.echo(f"detecting drift on {len(stacks)} stacks (the root and each nested stack)")
    statuses = detect(target.cfn, stacks, target.echo, poll_seconds())
    drifts = {
        name: resource_drifts(target.cfn, stacks[name]) if _drifted(statuses[name]) else []
        for name in stacks
    }
    report = DriftReport(tuple(stack_drift(name, statuses[name], drifts[name]) for name in stacks))
    show(target.console, report, output, root)
    return report


def _nested_stacks(cfn: Any, root: str, region: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    from litellm_cfn.deploy.aws import does_not_exist
    from litellm_cfn.deploy.outputs import nested_stack_ids

    try:
        return nested_stack_ids(cfn, root)
    except ClientError as error:
        if does_not_exist(error):
            raise LitellmCfnError(
                f"stack {root} does not exist in {region}; deploy it first, "
                "or check --region and --profile"
            ) from None
        raise


def detect(
    cfn: Any, stacks: dict[str, str], echo: Callable[[str], None], poll: float
) -> dict[str, dict[str, Any]]:
    """Each stack's final DescribeStackDriftDetectionStatus answer, by name. `stacks` maps a
    name to what DetectStackDrift takes (a name or a stack id); at most MAX_DETECTIONS run
    at once."""
    waiting = list(stacks)
    running: dict[str, str] = {}
    done: dict[str, dict[str, Any]] = {}
    while waiting or running:
        while waiting and len(running) < MAX_DETECTIONS:
            name = waiting.pop(0)
            answer = cfn.detect_stack_drift(StackName=stacks[name])
            running[name] = answer["StackDriftDetectionId"]
        for name, detection_id in list(running.items()):
            status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection_id)
            if status["DetectionStatus"] == IN_PROGRESS:
                continue
            del running[name]
            done[name] = status
            echo(f"  {name}: {_outcome(status)}")
        if running:
            time.sleep(poll)
    return done


def _outcome(status: dict[str, Any]) -> str:
    drift = status.get("StackDriftStatus", "UNKNOWN")
    if status["DetectionStatus"] != "DETECTION_COMPLETE":
        return f"{status['DetectionStatus']} ({drift})"
    count = status.get("DriftedStackResourceCount")
    if drift != DRIFTED or count is None:
        return drift
    return f"{drift} ({count} resource{'' if count == 1 else 's'})"


def _drifted(status: dict[str, Any]) -> bool:
    return status.get("StackDriftStatus") == DRIFTED or bool(
        status.get("DriftedStackResourceCount")
    )


def resource_drifts(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """The stack's MODIFIED and DELETED resources (StackResourceDrift entries), every page."""
    drifts: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {
            "StackName": stack,
            "StackResourceDriftStatusFilters": DRIFT_FILTERS,
        }
        if token:
            request["NextToken"] = token
        page = cfn.describe_stack_resource_drifts(**request)
        drifts += page.get("StackResourceDrifts", [])
        token = page.get("NextToken")
        if not token:
            return drifts


def show(console: Console, report: DriftReport, output: str, stack: str) -> None:
    """Print the report (JSON on stdout with `--output json`), then the verdict as the last
    line (on stderr with JSON, which carries the progress there)."""
    if output == "json":
        console.result(render_json(report, stack))
    elif text := render_text(report, console.colour):
        console.result(text)
    console.progress(report.summary(stack))
