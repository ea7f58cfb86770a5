"""`outputs` against stack outputs served over HTTP by a local moto server."""

from __future__ import annotations

import json

import boto3
import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.deploy.outputs import as_env, no_outputs, read_outputs
from tests.aws import REGION
from tests.conftest import REPO
from tests.kube.platform import MASTER_SECRET, OUTPUTS, deploy_outputs_stack

SPEC = str(REPO / "specs" / "platform.yaml")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_outputs_prints_the_deployed_stacks_outputs_as_a_table_and_as_json(aws):
    deploy_outputs_stack()
    table = run("outputs", SPEC)
    assert table.exit_code == 0, table.output
    assert "EksClusterName              litellm-eks" in table.stdout
    as_json = run("outputs", SPEC, "--format", "json")
    assert json.loads(as_json.stdout) == OUTPUTS


def test_outputs_env_replaces_the_seeds_terraform_output_eval(aws):
    deploy_outputs_stack()
    result = run("outputs", SPEC, "--format", "env")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "export AWS_REGION=us-east-1" in lines
    assert "export EKS_CLUSTER_NAME=litellm-eks" in lines
    assert f"export RDS_MASTER_USER_SECRET_ARN='{MASTER_SECRET}'" in lines


def test_env_lines_are_shell_quoted():
    assert as_env({"EksClusterName": "a b'c"}, "eu-west-1").splitlines() == [
        "export AWS_REGION=eu-west-1",
        "export EKS_CLUSTER_NAME='a b'\"'\"'c'",
    ]


def test_a_stack_that_does_not_exist_is_a_clear_error(aws):
    result = run("outputs", SPEC)
    assert result.exit_code == 1
    assert result.stderr.startswith("stack litellm-prod does not exist in us-east-1; deploy it")
    assert "Traceback" not in result.output


def test_the_region_option_wins_over_the_specs(aws):
    boto3.client("cloudformation", region_name="eu-west-1").create_stack(
        StackName="litellm-prod",
        TemplateBody=json.dumps(
            {
                "Resources": {"M": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"EksClusterName": {"Value": "in-ireland"}},
            }
        ),
    )
    result = run("outputs", SPEC, "--region", "eu-west-1", "--format", "json")
    assert json.loads(result.stdout) == {"EksClusterName": "in-ireland"}


def test_nested_stack_outputs_fill_in_what_the_root_lacks(aws):
    nested = {
        "Resources": {"Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "EksClusterName": {"Value": "litellm-eks"},
            "RdsEndpoint": {"Value": "shadowed"},
        },
    }
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="litellm-artifacts")
    s3.put_object(Bucket="litellm-artifacts", Key="eks.json", Body=json.dumps(nested))
    root = {
        "Resources": {
            "EksStack": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {
                    "TemplateURL": "https://litellm-artifacts.s3.amazonaws.com/eks.json"
                },
            },
            "Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        },
        "Outputs": {"RdsEndpoint": {"Value": "db.example"}},
    }
    client = boto3.client("cloudformation", region_name=REGION)
    client.create_stack(StackName="litellm-prod", TemplateBody=json.dumps(root))
    assert read_outputs(client, "litellm-prod") == {
        "RdsEndpoint": "db.example",
        "EksClusterName": "litellm-eks",
    }


def test_missing_credentials_are_a_clear_error(monkeypatch, tmp_path):
    # Every source of credentials removed, so botocore never looks beyond loopback for one.
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run("outputs", SPEC)
    assert result.exit_code == 1
    assert "no AWS credentials" in result.stderr


def test_an_unknown_profile_is_bad_input(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = run("outputs", SPEC, "--profile", "nope")
    assert result.exit_code == 2
    assert "AWS profile 'nope' is not configured" in result.stderr


@pytest.mark.parametrize("output_format", ["table", "json", "env"])
def test_a_stack_without_outputs_is_an_error_not_an_empty_answer(aws, output_format):
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="litellm-prod",
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
    )
    result = run("outputs", SPEC, "--format", output_format)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "stack litellm-prod in us-east-1 has no outputs (it is CREATE_COMPLETE): it is not a "
        "platform litellm-cfn deployed; check the spec's name and environment, --region and "
        "--profile\n"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("CREATE_IN_PROGRESS", " yet: it is CREATE_IN_PROGRESS; follow it with `litellm-cfn watch"),
        ("REVIEW_IN_PROGRESS", ": it is REVIEW_IN_PROGRESS, made for a change set never executed"),
        ("ROLLBACK_COMPLETE", ": it failed to create (ROLLBACK_COMPLETE); see why with `litellm"),
        ("CREATE_FAILED", ": it is CREATE_FAILED; see its events with `litellm-cfn watch"),
    ],
)
def test_no_outputs_says_why_by_the_stacks_state(status, expected):
    message = no_outputs("litellm-prod", "eu-west-1", status, "my specs/p.yaml")
    assert message.startswith(f"stack litellm-prod in eu-west-1 has no outputs{expected}")
    assert "litellm-cfn watch 'my specs/p.yaml'" in message or status == "REVIEW_IN_PROGRESS"
