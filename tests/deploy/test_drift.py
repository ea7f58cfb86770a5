"""`drift` on the root and every nested stack. moto does not model drift detection (its
CloudFormation answers no DetectStackDrift, DescribeStackDriftDetectionStatus or
DescribeStackResourceDrifts), so AWS's answers, shaped as in the API reference, are played
back through botocore's Stubber on a real client, with the CLI's client patched to it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.cli import cli
from litellm_cfn.deploy.drift_report import DriftReport, ResourceDrift, StackDrift
from tests.conftest import REPO

SPEC = str(REPO / "specs" / "platform.yaml")
ARN = "arn:aws:cloudformation:us-east-1:123456789012:stack"
ROOT = f"{ARN}/litellm-prod/0a1b"
RDS = f"{ARN}/litellm-prod-RdsStack-9Z/2c3d"
EKS = f"{ARN}/litellm-prod-EksStack-8Y/4e5f"
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
FILTERS = ["MODIFIED", "DELETED"]


def nested(logical_id: str, physical_id: str) -> dict:
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id,
        "ResourceType": "AWS::CloudFormation::Stack",
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "UPDATE_COMPLETE",
    }


def status(stack_id: str, detection: str, drift: str | None = None, **more) -> dict:
    answer = {
        "StackId": stack_id,
        "StackDriftDetectionId": f"id-{stack_id[-4:]}",
        "DetectionStatus": detection,
        "Timestamp": NOW,
        **more,
    }
    return answer | ({"StackDriftStatus": drift} if drift else {})


def database_drift() -> dict:
    return {
        "StackId": RDS,
        "LogicalResourceId": "Database",
        "PhysicalResourceId": "litellm-prod-postgres",
        "ResourceType": "AWS::RDS::DBInstance",
        "ExpectedProperties": '{"AllocatedStorage":"20","BackupRetentionPeriod":7}',
        "ActualProperties": '{"AllocatedStorage":"100","BackupRetentionPeriod":1}',
        "PropertyDifferences": [
            {
                "PropertyPath": "/AllocatedStorage",
                "ExpectedValue": "20",
                "ActualValue": "100",
                "DifferenceType": "NOT_EQUAL",
            },
            {
                "PropertyPath": "/BackupRetentionPeriod",
                "ExpectedValue": "7",
                "ActualValue": "1",
                "DifferenceType": "NOT_EQUAL",
            },
        ],
        "StackResourceDriftStatus": "MODIFIED",
        "Timestamp": NOW,
    }


def security_group_drift() -> dict:
    rule = '{"CidrIp":"0.0.0.0/0","FromPort":443,"IpProtocol":"tcp","ToPort":443}'
    return {
        "StackId": EKS,
        "LogicalResourceId": "ClusterSecurityGroup",
        "PhysicalResourceId": "sg-0123456789abcdef0",
        "ResourceType": "AWS::EC2::SecurityGroup",
        "ExpectedProperties": '{"SecurityGroupIngress":[]}',
        "ActualProperties": f'{{"SecurityGroupIngress":[{rule}]}}',
        "PropertyDifferences": [
            {
                "PropertyPath": "/SecurityGroupIngress/0",
                "ExpectedValue": "null",
                "ActualValue": rule,
                "DifferenceType": "ADD",
            }
        ],
        "StackResourceDriftStatus": "MODIFIED",
        "Timestamp": NOW,
    }


@pytest.fixture
def stubbed(monkeypatch):
    """A CloudFormation client every command of the CLI uses, stubbed; zero-second polls."""
    client = boto3.client("cloudformation", region_name="us-east-1")
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: client)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def listed(stubber: Stubber, *nested_stacks: dict) -> None:
    stubber.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": list(nested_stacks)},
        {"StackName": "litellm-prod"},
    )


def started(stubber: Stubber, *stacks: tuple[str, str]) -> None:
    for name, stack_id in stacks:
        stubber.add_response(
            "detect_stack_drift",
            {"StackDriftDetectionId": f"id-{stack_id[-4:]}"},
            {"StackName": name},
        )


def polled(stubber: Stubber, answer: dict) -> None:
    stubber.add_response(
        "describe_stack_drift_detection_status",
        answer,
        {"StackDriftDetectionId": answer["StackDriftDetectionId"]},
    )


def drifts(stubber: Stubber, stack_id: str, *entries: dict, token: str | None = None) -> None:
    request = {"StackName": stack_id, "StackResourceDriftStatusFilters": FILTERS}
    stubber.add_response(
        "describe_stack_resource_drifts",
        {"StackResourceDrifts": list(entries), **({"NextToken": token} if token else {})},
        request,
    )


def run(*args: str):
    return CliRunner().invoke(cli, ["drift", SPEC, *args])


def drifted_platform(stubber: Stubber) -> None:
    """The root in sync; the database drifted (second page) and a security group opened."""
    listed(stubber, nested("EksStack", EKS), nested("RdsStack", RDS))
    started(stubber, ("litellm-prod", ROOT), (EKS, EKS), (RDS, RDS))
    polled(stubber, status(ROOT, "DETECTION_COMPLETE", "IN_SYNC", DriftedStackResourceCount=0))
    polled(stubber, status(EKS, "DETECTION_COMPLETE", "DRIFTED", DriftedStackResourceCount=1))
    polled(stubber, status(RDS, "DETECTION_COMPLETE", "DRIFTED", DriftedStackResourceCount=1))
    drifts(stubber, EKS, security_group_drift())
    drifts(stubber, RDS, token="page-2")
    stubber.add_response(
        "describe_stack_resource_drifts",
        {"StackResourceDrifts": [database_drift()]},
        {"StackName": RDS, "StackResourceDriftStatusFilters": FILTERS, "NextToken": "page-2"},
    )


def test_a_platform_in_sync_exits_0_and_says_so_last(stubbed):
    listed(stubbed, nested("RdsStack", RDS))
    started(stubbed, ("litellm-prod", ROOT), (RDS, RDS))
    polled(stubbed, status(ROOT, "DETECTION_COMPLETE", "IN_SYNC", DriftedStackResourceCount=0))
    polled(stubbed, status(RDS, "DETECTION_COMPLETE", "IN_SYNC", DriftedStackResourceCount=0))
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "litellm-prod: in sync (2 stacks checked)"
    assert "litellm-prod/RdsStack: IN_SYNC" in result.stdout
    assert "DATA AT RISK" not in result.stdout


def test_drift_in_two_nested_stacks_is_ranked_data_at_risk_first_and_exits_1(stubbed):
    drifted_platform(stubbed)
    result = run()
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    report = lines[
        lines.index("DATA AT RISK (stateful resources changed outside CloudFormation):") :
    ]
    assert report == [
        "DATA AT RISK (stateful resources changed outside CloudFormation):",
        "  MODIFIED litellm-prod/RdsStack/Database (AWS::RDS::DBInstance) litellm-prod-postgres",
        "    NOT_EQUAL /AllocatedStorage: expected 20, actual 100",
        "    NOT_EQUAL /BackupRetentionPeriod: expected 7, actual 1",
        "",
        "ACCESS BROADENED (check who may now do what):",
        "  MODIFIED litellm-prod/EksStack/ClusterSecurityGroup (AWS::EC2::SecurityGroup) "
        "sg-0123456789abcdef0",
        "    ADD /SecurityGroupIngress/0: expected null, actual "
        '{"CidrIp":"0.0.0.0/0","FromPort":443,"IpProtocol":"tcp","ToPort":443}',
        "",
        "litellm-prod: drifted: 2 resources in 2 of 3 stacks",
    ]


def test_the_json_report_is_the_only_thing_on_stdout(stubbed):
    drifted_platform(stubbed)
    result = run("--output", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["in_sync"] is False
    assert document["data_at_risk"] == ["litellm-prod/RdsStack/Database"]
    assert document["access_broadened"] == ["litellm-prod/EksStack/ClusterSecurityGroup"]
    assert document["detection_failed"] == []
    assert [s["stack"] for s in document["stacks"]] == [
        "litellm-prod",
        "litellm-prod/EksStack",
        "litellm-prod/RdsStack",
    ]
    database = document["resources"][0]
    assert database["risk"] == "data_at_risk"
    assert database["differences"][0] == {
        "path": "/AllocatedStorage",
        "expected": "20",
        "actual": "100",
        "type": "NOT_EQUAL",
    }
    assert result.stderr.splitlines()[-1] == "litellm-prod: drifted: 2 resources in 2 of 3 stacks"


def test_a_detection_in_progress_is_polled_until_it_completes(stubbed):
    listed(stubbed)
    started(stubbed, ("litellm-prod", ROOT))
    polled(stubbed, status(ROOT, "DETECTION_IN_PROGRESS"))
    polled(stubbed, status(ROOT, "DETECTION_IN_PROGRESS"))
    polled(stubbed, status(ROOT, "DETECTION_COMPLETE", "IN_SYNC", DriftedStackResourceCount=0))
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "litellm-prod: in sync (1 stack checked)"


def test_a_failed_detection_is_reported_with_its_reason_and_is_not_in_sync(stubbed):
    reason = "Failed to detect drift on resource [Cluster]: Internal Failure"
    listed(stubbed, nested("RdsStack", RDS))
    started(stubbed, ("litellm-prod", ROOT), (RDS, RDS))
    polled(stubbed, status(ROOT, "DETECTION_COMPLETE", "IN_SYNC", DriftedStackResourceCount=0))
    polled(stubbed, status(RDS, "DETECTION_FAILED", "IN_SYNC", DetectionStatusReason=reason))
    result = run()
    assert result.exit_code == 1, result.output
    assert f"DETECTION FAILED (not known to be in sync):\n  litellm-prod/RdsStack: {reason}" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1] == (
        "litellm-prod: not known to be in sync: detection failed on 1 of 2 stacks"
    )


def test_a_stack_that_does_not_exist_is_a_clear_error(stubbed):
    stubbed.add_client_error(
        "list_stack_resources",
        service_error_code="ValidationError",
        service_message="Stack with id litellm-prod does not exist",
        http_status_code=400,
        expected_params={"StackName": "litellm-prod"},
    )
    result = run()
    assert result.exit_code == 1
    assert result.stderr.startswith("stack litellm-prod does not exist in us-east-1")
    assert "Traceback" not in result.output


def test_an_aws_refusal_names_the_operation(stubbed):
    listed(stubbed)
    stubbed.add_client_error(
        "detect_stack_drift",
        service_error_code="AccessDenied",
        service_message="User is not authorized to perform: cloudformation:DetectStackDrift",
        http_status_code=403,
    )
    result = run()
    assert result.exit_code == 1
    assert result.stderr.startswith("cannot detect drift on litellm-prod: ")
    assert "cloudformation:DetectStackDrift" in result.stderr


def test_a_deleted_key_is_data_at_risk_and_a_key_policy_change_is_access():
    def key(status: str, path: str) -> ResourceDrift:
        from litellm_cfn.deploy.drift_report import Difference

        differences = (Difference(path, "{}", "{}", "NOT_EQUAL"),) if path else ()
        return ResourceDrift("s/SecretsStack", "Key", "k", "AWS::KMS::Key", status, differences)

    assert key("DELETED", "").risk == "data_at_risk"
    assert key("MODIFIED", "/KeyPolicy/Statement/0").risk == "access_broadened"
    assert key("MODIFIED", "/EnableKeyRotation").risk == "data_at_risk"
    report = DriftReport(
        (StackDrift("s", "id", "DETECTION_COMPLETE", "DRIFTED", resources=(key("DELETED", ""),)),)
    )
    assert report.summary("s") == "s: drifted: 1 resource in 1 of 1 stack"


def test_long_values_are_shortened_in_text_only():
    from litellm_cfn.deploy.drift_report import Difference, render_json, render_text

    policy = '{"Statement": [' + ", ".join(['{"Effect": "Allow"}'] * 50) + "]}"
    resource = ResourceDrift(
        "s/IamStack", "Role", "r", "AWS::IAM::Role", "MODIFIED",
        (Difference("/AssumeRolePolicyDocument", "{}", policy, "NOT_EQUAL"),),
    )  # fmt: skip
    report = DriftReport(
        (StackDrift("s/IamStack", "id", "DETECTION_COMPLETE", "DRIFTED", resources=(resource,)),)
    )
    line = render_text(report).splitlines()[2]
    assert len(line) < 250 and line.endswith("...")
    assert json.loads(render_json(report, "s"))["resources"][0]["differences"][0]["actual"] == (
        policy
    )


def test_the_check_of_moto_still_holds():
    from moto.cloudformation import responses

    assert not hasattr(responses.CloudFormationResponse, "detect_stack_drift"), (
        "moto models drift now: test against the moto server instead of the Stubber"
    )


def test_client_errors_other_than_missing_stacks_are_not_swallowed():
    from litellm_cfn.deploy.drift import _nested_stacks

    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error("list_stack_resources", service_error_code="Throttling")
        with pytest.raises(ClientError):
            _nested_stacks(client, "litellm-prod", "us-east-1")


def test_at_most_four_detections_run_at_once():
    from litellm_cfn.deploy.drift import MAX_DETECTIONS, detect

    client = boto3.client("cloudformation", region_name="us-east-1")
    stacks = {f"s/Stack{n}": f"{ARN}/s-Stack{n}/000{n}" for n in range(6)}
    with Stubber(client) as stubber:
        for batch in (
            list(stacks.values())[:MAX_DETECTIONS],
            list(stacks.values())[MAX_DETECTIONS:],
        ):
            started(stubber, *((stack_id, stack_id) for stack_id in batch))
            for stack_id in batch:
                polled(stubber, status(stack_id, "DETECTION_COMPLETE", "IN_SYNC"))
        done = detect(client, stacks, lambda line: None, 0)
        stubber.assert_no_pending_responses()
    assert MAX_DETECTIONS == 4
    assert list(done) == list(stacks)
