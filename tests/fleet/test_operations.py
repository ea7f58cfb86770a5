"""Stack set operations, played back with botocore's Stubber: moto finishes every operation
within the call and ignores operation preferences, so an operation that runs for a while,
reports targets one by one, or fails in one account is only reachable this way. Responses
are shaped as the CloudFormation API reference gives them (DescribeStackSetOperation,
ListStackSetOperationResults)."""

from __future__ import annotations

import datetime

import botocore.session
import pytest
from botocore.stub import Stubber

from litellm_cfn.deploy.package import Packaged
from litellm_cfn.fleet.operations import OperationFailed, Permissions, StackSetOperations

A, B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"
PREFERENCES = {"MaxConcurrentCount": 1, "FailureToleranceCount": 0}
NOW = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)


def stubbed():
    client = botocore.session.get_session().create_client(
        "cloudformation",
        region_name=EAST,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


def operation(status: str, reason: str = "") -> dict:
    described = {
        "OperationId": "op-1",
        "StackSetId": "litellm:1",
        "Action": "CREATE",
        "Status": status,
        "CreationTimestamp": NOW,
    }
    if reason:
        described["StatusReason"] = reason
    return {"StackSetOperation": described}


def results(*entries: tuple[str, str, str, str]) -> dict:
    return {
        "Summaries": [
            {"Account": account, "Region": region, "Status": status, "StatusReason": reason}
            for account, region, status, reason in entries
        ]
    }


def expect_wait(stubber: Stubber, *polls: tuple[dict, dict]) -> None:
    for described, listed in polls:
        stubber.add_response("describe_stack_set_operation", described)
        stubber.add_response("list_stack_set_operation_results", listed)


def test_places_that_are_no_product_go_as_one_call_per_group_each_waited_for():
    client, stubber = stubbed()
    lines: list[str] = []
    stubber.add_response(
        "create_stack_instances",
        {"OperationId": "op-1"},
        {
            "StackSetName": "litellm",
            "Accounts": [A],
            "Regions": [WEST, EAST],
            "OperationPreferences": PREFERENCES,
            "CallAs": "SELF",
        },
    )
    expect_wait(
        stubber,
        (operation("RUNNING"), results((A, EAST, "RUNNING", ""), (A, WEST, "PENDING", ""))),
        (operation("SUCCEEDED"), results((A, EAST, "SUCCEEDED", ""), (A, WEST, "SUCCEEDED", ""))),
    )
    stubber.add_response(
        "create_stack_instances",
        {"OperationId": "op-2"},
        {
            "StackSetName": "litellm",
            "Accounts": [B],
            "Regions": [EAST],
            "OperationPreferences": PREFERENCES,
            "CallAs": "SELF",
        },
    )
    expect_wait(stubber, (operation("SUCCEEDED"), results((B, EAST, "SUCCEEDED", ""))))
    with stubber:
        operations = StackSetOperations(client, Permissions(), lines.append, 0, lambda _: None)
        operations.create_instances("litellm", ((A, EAST), (A, WEST), (B, EAST)), PREFERENCES)
        stubber.assert_no_pending_responses()
    assert lines == [
        f"  litellm create {A}/{WEST}: PENDING",
        f"  litellm create {A}/{EAST}: RUNNING",
        f"  litellm create {A}/{WEST}: SUCCEEDED",
        f"  litellm create {A}/{EAST}: SUCCEEDED",
        f"  litellm create {B}/{EAST}: SUCCEEDED",
    ]


def test_an_operation_that_fails_in_one_account_names_it_and_why():
    client, stubber = stubbed()
    stubber.add_response("update_stack_set", {"OperationId": "op-1"})
    reason = "ResourceLogicalId:Cluster, ResourceType:AWS::EKS::Cluster, Quota exceeded"
    expect_wait(
        stubber,
        (
            operation("FAILED", "The Operation op-1 has failed"),
            results((A, EAST, "SUCCEEDED", ""), (B, EAST, "FAILED", reason)),
        ),
    )
    lines: list[str] = []
    with stubber, pytest.raises(OperationFailed) as failed:
        StackSetOperations(client, Permissions(), lines.append, 0).update_instances(
            "litellm", ((A, EAST), (B, EAST)), PREFERENCES
        )
    assert str(failed.value) == (
        f"litellm: the update operation op-1 ended FAILED (failed: {B}/{EAST}); "
        "The Operation op-1 has failed"
    )
    assert f"  litellm update {B}/{EAST}: FAILED ({reason})" in lines


def test_service_managed_places_are_organizational_units_and_the_stack_set_names_its_role():
    unit = "ou-ab12-cdef3456"
    permissions = Permissions(
        model="SERVICE_MANAGED",
        call_as="DELEGATED_ADMIN",
        execution_role_name="stacksets-exec-custom-litellm",
        auto_deployment={"Enabled": True, "RetainStacksOnAccountRemoval": True},
        execution_role_template="Resources: {}",
        output_bucket="artifacts",
    )
    assert permissions.target_groups([(unit, EAST), (unit, WEST)]) == [
        {"DeploymentTargets": {"OrganizationalUnitIds": [unit]}, "Regions": [WEST, EAST]}
    ]
    client, stubber = stubbed()
    stubber.add_response(
        "create_stack_set",
        {"StackSetId": "litellm:1"},
        {
            "StackSetName": "litellm",
            "Description": "d",
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            "TemplateBody": "Resources: {}",
            "PermissionModel": "SERVICE_MANAGED",
            "CallAs": "DELEGATED_ADMIN",
            "ExecutionRoleName": "stacksets-exec-custom-litellm",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "ExecutionRoleTemplateBody": "Resources: {}",
            "StackSetOutputBucket": "artifacts",
        },
    )
    with stubber:
        StackSetOperations(client, permissions, lambda _: None, 0).create_stack_set(
            "litellm", Packaged("Resources: {}", None), "d"
        )
        stubber.assert_no_pending_responses()
