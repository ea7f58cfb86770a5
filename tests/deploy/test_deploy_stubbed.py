"""What moto does not model, played back through botocore's Stubber with responses shaped
like AWS's: nested change-set details (a replaced database), deleting a VPC stack, whose
resource dependencies moto does not order, a failed creation, and access denied."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.cli import cli
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.bootstrap import artifact_bucket
from litellm_cfn.deploy.changesets import ChangeSet, Deployer
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import Target, refuse_unapproved
from litellm_cfn.errors import LitellmCfnError
from tests.conftest import REPO, spec_from

ROOT_STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/0a1b"
RDS_STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod-RdsStack-9Z/2c3d"
ROOT_CS = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/litellm-cfn-0123456789ab/1"
RDS_CS = (
    "arn:aws:cloudformation:us-east-1:123456789012:changeSet/litellm-cfn-0123456789ab-RdsStack/2"
)
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
ROOT_STACK_SUMMARY = {"StackName": "litellm-prod", "StackId": ROOT_STACK, "CreationTime": NOW}


def change_set(cs_id: str, stack_id: str, changes: list[dict], parent: str | None = None) -> dict:
    described = {
        "ChangeSetName": "litellm-cfn-0123456789ab",
        "ChangeSetId": cs_id,
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "CreationTime": NOW,
        "ExecutionStatus": "AVAILABLE",
        "Status": "CREATE_COMPLETE",
        "IncludeNestedStacks": True,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "Changes": changes,
    }
    if parent:
        described |= {"ParentChangeSetId": parent, "RootChangeSetId": parent}
    return described


ROOT_RESPONSE = change_set(
    ROOT_CS,
    ROOT_STACK,
    [
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "RdsStack",
                "PhysicalResourceId": RDS_STACK,
                "ResourceType": "AWS::CloudFormation::Stack",
                "Replacement": "False",
                "Scope": ["Properties"],
                "Details": [
                    {
                        "Target": {
                            "Attribute": "Properties",
                            "Name": "TemplateURL",
                            "RequiresRecreation": "Never",
                        },
                        "Evaluation": "Static",
                        "ChangeSource": "DirectModification",
                    }
                ],
                "ChangeSetId": RDS_CS,
            },
        }
    ],
)
RDS_RESPONSE = change_set(
    RDS_CS,
    RDS_STACK,
    [
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "Database",
                "PhysicalResourceId": "litellm-prod-postgres",
                "ResourceType": "AWS::RDS::DBInstance",
                "Replacement": "True",
                "Scope": ["Properties"],
                "Details": [
                    {
                        "Target": {
                            "Attribute": "Properties",
                            "Name": "DBInstanceIdentifier",
                            "RequiresRecreation": "Always",
                        },
                        "Evaluation": "Static",
                        "ChangeSource": "DirectModification",
                    }
                ],
            },
        }
    ],
    parent=ROOT_CS,
)


def reviewed(client: object, stubber: Stubber):
    stubber.add_response("describe_change_set", ROOT_RESPONSE, {"ChangeSetName": ROOT_CS})
    stubber.add_response("describe_change_set", RDS_RESPONSE, {"ChangeSetName": RDS_CS})
    return Deployer(client, print, poll_seconds=0).review(ROOT_CS, "litellm-prod")


def stubbed_target() -> tuple[object, Target]:
    """A CloudFormation client to stub, and a deploy target using it."""
    client = boto3.client("cloudformation", region_name="us-east-1")
    spec = spec_from("name: litellm\n")
    return client, Target(
        spec,
        Path("platform.yaml"),
        "us-east-1",
        Deployer(client, print),
        client,
        None,
        compile_platform(spec),
        Console(print, print, print, bool, str, lambda: False),
    )


def test_a_nested_change_set_that_replaces_the_database_is_refused_and_deleted():
    client, target = stubbed_target()
    with Stubber(client) as stubber:
        review = reviewed(client, stubber)
        assert [c.qualified_id for c in review.data_at_risk] == ["litellm-prod/RdsStack/Database"]
        stubber.add_response("delete_change_set", {}, {"ChangeSetName": ROOT_CS})
        # Not an empty stack a first change set came in: it stays.
        stubber.add_response(
            "describe_stacks",
            {"Stacks": [{**ROOT_STACK_SUMMARY, "StackStatus": "UPDATE_COMPLETE"}]},
            {"StackName": "litellm-prod"},
        )
        with pytest.raises(LitellmCfnError) as caught:
            refuse_unapproved(target, review, ChangeSet(ROOT_CS, created=True), ())
        stubber.assert_no_pending_responses()
    message = str(caught.value)
    assert message.startswith("refusing to execute: the change set would remove or replace data")
    assert "deploy again with --allow-replace Database" in message


def test_naming_the_database_lets_the_replacement_through():
    client, target = stubbed_target()
    with Stubber(client) as stubber:
        review = reviewed(client, stubber)
        refuse_unapproved(target, review, ChangeSet(ROOT_CS, created=True), ("Database",))
        stubber.assert_no_pending_responses()


def test_destroy_turns_protection_off_deletes_and_streams_to_the_end(monkeypatch):
    client = boto3.client("cloudformation", region_name="us-east-1")
    stack = {"StackName": "litellm-prod", "StackId": ROOT_STACK, "CreationTime": NOW}
    # Dated by CloudFormation's clock, which is all destroy reads: the local one may be skewed.
    last_update = {
        "EventId": "e0",
        "StackId": ROOT_STACK,
        "StackName": "litellm-prod",
        "Timestamp": NOW,
        "LogicalResourceId": "litellm-prod",
        "ResourceType": "AWS::CloudFormation::Stack",
        "ResourceStatus": "UPDATE_COMPLETE",
        "PhysicalResourceId": ROOT_STACK,
    }
    events = [
        {
            "EventId": f"e{n}",
            "StackId": ROOT_STACK,
            "StackName": "litellm-prod",
            "Timestamp": NOW + timedelta(seconds=n),
            "LogicalResourceId": logical,
            "ResourceType": kind,
            "ResourceStatus": status,
            "PhysicalResourceId": physical,
        }
        for n, logical, kind, status, physical in (
            (1, "litellm-prod", "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS", ROOT_STACK),
            (2, "VpcStack", "AWS::CloudFormation::Stack", "DELETE_COMPLETE", "vpc-stack"),
            (3, "litellm-prod", "AWS::CloudFormation::Stack", "DELETE_COMPLETE", ROOT_STACK),
        )
    ]
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: client)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_stacks",
            {"Stacks": [stack | {"StackStatus": "UPDATE_COMPLETE"}]},
            {"StackName": "litellm-prod"},
        )
        stubber.add_response(
            "describe_stacks",
            {"Stacks": [stack | {"StackStatus": "UPDATE_COMPLETE"}]},
            {"StackName": "litellm-prod"},
        )
        stubber.add_response(
            "describe_stack_events", {"StackEvents": [last_update]}, {"StackName": ROOT_STACK}
        )
        stubber.add_response(
            "update_termination_protection",
            {"StackId": ROOT_STACK},
            {"StackName": "litellm-prod", "EnableTerminationProtection": False},
        )
        stubber.add_response("delete_stack", {}, {"StackName": "litellm-prod"})
        stubber.add_response(
            "describe_stack_events",
            {"StackEvents": [*reversed(events), last_update]},
            {"StackName": ROOT_STACK},
        )
        stubber.add_response(
            "describe_stack_events", {"StackEvents": []}, {"StackName": "vpc-stack"}
        )
        stubber.add_response(
            "describe_stacks",
            {"Stacks": [stack | {"StackStatus": "DELETE_COMPLETE"}]},
            {"StackName": ROOT_STACK},
        )
        stubber.add_response(
            "describe_stack_events",
            {"StackEvents": list(reversed(events))},
            {"StackName": ROOT_STACK},
        )
        stubber.add_response(
            "describe_stack_events", {"StackEvents": []}, {"StackName": "vpc-stack"}
        )
        result = CliRunner().invoke(
            cli, ["destroy", str(REPO / "specs" / "platform.yaml"), "--yes"]
        )
        stubber.assert_no_pending_responses()
    assert result.exit_code == 0, result.output
    assert "final snapshot of rds/Database (AWS::RDS::DBInstance)" in result.stdout
    assert "keeps secrets/LitellmSaltKeySecret (AWS::SecretsManager::Secret)" in result.stdout
    assert "DELETE_COMPLETE          VpcStack" in result.stdout
    assert "UPDATE_COMPLETE" not in result.stdout
    assert result.stdout.strip().endswith("litellm-prod: deleted")


def test_recreating_a_failed_stack_needs_approval(monkeypatch):
    # moto never reaches ROLLBACK_COMPLETE (it completes or raises within the call), so the
    # failed creation is played back through the Stubber.
    client = boto3.client("cloudformation", region_name="us-east-1")
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: client)
    failed = {
        "StackName": "litellm-prod",
        "StackId": ROOT_STACK,
        "CreationTime": NOW,
        "StackStatus": "ROLLBACK_COMPLETE",
    }
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [failed]}, {"StackName": "litellm-prod"})
        result = CliRunner().invoke(
            cli, ["deploy", str(REPO / "specs" / "platform.yaml"), "--recreate-failed"]
        )
        stubber.assert_no_pending_responses()
    assert result.exit_code == 3
    assert "stopped for approval: rerun with --yes to delete and re-create it" in result.stderr


def test_only_a_missing_bootstrap_stack_means_no_artifacts_bucket():
    # moto does not enforce IAM, and always names the bucket it made: both answered here.
    client = boto3.client("cloudformation", region_name="us-east-1")
    expected = {"StackName": "litellm-cfn-bootstrap", "LogicalResourceId": "ArtifactBucket"}
    creating = {
        "StackResourceDetail": {
            "StackName": "litellm-cfn-bootstrap",
            "LogicalResourceId": "ArtifactBucket",
            "ResourceType": "AWS::S3::Bucket",
            "LastUpdatedTimestamp": NOW,
            "ResourceStatus": "CREATE_IN_PROGRESS",
        }
    }
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_stack_resource",
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
            "cloudformation:DescribeStackResource",
            403,
            expected_params=expected,
        )
        stubber.add_client_error(
            "describe_stack_resource",
            "ValidationError",
            "Stack 'litellm-cfn-bootstrap' does not exist",
            400,
            expected_params=expected,
        )
        stubber.add_response("describe_stack_resource", creating, expected)
        with pytest.raises(ClientError, match="AccessDenied"):
            artifact_bucket(client)
        assert artifact_bucket(client) is None
        assert artifact_bucket(client) is None
        stubber.assert_no_pending_responses()
