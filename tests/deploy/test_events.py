"""Event streaming: each event once, nested stacks found, the deepest failure as root cause."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import Stubber

from litellm_cfn.deploy.changesets import Deployer
from litellm_cfn.deploy.events import EventLog
from litellm_cfn.errors import LitellmCfnError

T0 = datetime(2026, 11, 27, tzinfo=timezone.utc)
ROOT = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/1"
RDS = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod-RdsStack-X/2"


def event(n, stack, logical, kind, status, reason="", physical="", seconds=None):
    return {
        "EventId": f"e{n}",
        "StackId": stack,
        "StackName": stack.split("/")[1],
        "Timestamp": T0 + timedelta(seconds=n if seconds is None else seconds),
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
        "PhysicalResourceId": physical,
    }


ROOT_EVENTS = [
    event(
        1, ROOT, "litellm-prod", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", physical=ROOT
    ),
    event(2, ROOT, "RdsStack", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", physical=RDS),
    event(
        9,
        ROOT,
        "RdsStack",
        "AWS::CloudFormation::Stack",
        "UPDATE_FAILED",
        "Embedded stack failed",
        RDS,
    ),
    event(
        10,
        ROOT,
        "litellm-prod",
        "AWS::CloudFormation::Stack",
        "UPDATE_ROLLBACK_COMPLETE",
        physical=ROOT,
    ),
]
RDS_EVENTS = [
    event(3, RDS, "DatabaseKey", "AWS::KMS::Key", "UPDATE_COMPLETE"),
    event(
        4,
        RDS,
        "Database",
        "AWS::RDS::DBInstance",
        "UPDATE_FAILED",
        "Cannot upgrade postgres from 17.9 to 12.22",
    ),
    event(5, RDS, "DatabaseLogsKey", "AWS::KMS::Key", "UPDATE_FAILED", "Resource update cancelled"),
]


def test_events_are_recorded_once_and_nested_stacks_are_found_through_them():
    log = EventLog(ROOT)
    first = log.add(ROOT_EVENTS[:2], T0)
    assert [e.event_id for e in first] == ["e1", "e2"]
    assert log.add(ROOT_EVENTS[:2], T0) == []
    assert log.depth == {ROOT: 0, RDS: 1}
    log.add(RDS_EVENTS, T0)
    assert log.done() == 1


def test_events_before_the_operation_are_ignored():
    log = EventLog(ROOT)
    assert log.add([event(1, ROOT, "x", "AWS::KMS::Key", "CREATE_COMPLETE", seconds=-60)], T0) == []


def test_the_root_cause_is_the_first_failure_of_the_deepest_failing_stack():
    log = EventLog(ROOT)
    log.add(ROOT_EVENTS + RDS_EVENTS, T0)
    cause = log.root_cause()
    assert cause is not None
    assert (cause.logical_id, cause.reason) == (
        "Database",
        "Cannot upgrade postgres from 17.9 to 12.22",
    )


def test_a_failed_nested_stack_is_reported_with_its_root_cause():
    # moto neither fails stacks on purpose nor lists nested stacks' events, so the failed
    # update is played back through botocore's Stubber with responses shaped like AWS's.
    client = boto3.client("cloudformation", region_name="us-east-1")
    lines: list[str] = []
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_stack_events",
            {"StackEvents": list(reversed(ROOT_EVENTS))},
            {"StackName": ROOT},
        )
        stubber.add_response(
            "describe_stack_events", {"StackEvents": list(reversed(RDS_EVENTS))}, {"StackName": RDS}
        )
        stubber.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "litellm-prod",
                        "StackId": ROOT,
                        "CreationTime": T0,
                        "StackStatus": "UPDATE_ROLLBACK_COMPLETE",
                    }
                ]
            },
            {"StackName": ROOT},
        )
        stubber.add_response(
            "describe_stack_events",
            {"StackEvents": list(reversed(ROOT_EVENTS))},
            {"StackName": ROOT},
        )
        stubber.add_response(
            "describe_stack_events", {"StackEvents": list(reversed(RDS_EVENTS))}, {"StackName": RDS}
        )
        with pytest.raises(LitellmCfnError) as caught:
            Deployer(client, lines.append, poll_seconds=0).watch(ROOT, T0, total=3)
    message = str(caught.value)
    assert message.startswith(f"{ROOT} ended UPDATE_ROLLBACK_COMPLETE")
    assert message.endswith(
        "root cause: Database (AWS::RDS::DBInstance): Cannot upgrade postgres from 17.9 to 12.22"
    )
    assert any("  UPDATE_FAILED" in line and "Database" in line for line in lines), lines
    assert re.match(r"\d\d:\d\d \[0/3\] UPDATE_IN_PROGRESS ", lines[0]), lines[0]


@pytest.mark.parametrize(
    ("resource_type", "reason", "points_to_adoption"),
    [
        (
            "AWS::SecretsManager::Secret",
            'Resource handler returned message: "The operation failed because the secret '
            'litellm/prod/litellm/salt-key already exists." (HandlerErrorCode: AlreadyExists)',
            True,
        ),
        (
            "AWS::Logs::LogGroup",
            "Resource of type 'AWS::Logs::LogGroup' with identifier "
            "'/litellm/prod/vpc-flow-logs' already exists.",
            True,
        ),
        ("AWS::SecretsManager::Secret", "Access denied for secretsmanager:CreateSecret", False),
        ("AWS::EC2::VPC", "The VPC vpc-1 already exists", False),
    ],
)
def test_a_kept_name_a_new_platform_collides_with_points_to_adoption(
    resource_type, reason, points_to_adoption
):
    from litellm_cfn.deploy.events import Event, as_root_cause

    failed = Event("e1", ROOT, T0, "Kept", resource_type, "CREATE_FAILED", reason, "")
    said = as_root_cause(failed)
    assert said.startswith(f"Kept ({resource_type}): {reason}")
    assert ("deploy --recreate-failed --adopt-retained" in said) is points_to_adoption
