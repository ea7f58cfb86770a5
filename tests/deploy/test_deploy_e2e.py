"""Deploying end to end over HTTP against a local moto server.

moto cannot resolve `Fn::GetAtt <NestedStack>.Outputs.<Name>` while it executes a change
set, so these runs deploy a platform of the VPC stack alone; how the other stacks are wired
is checked by cfn-lint (E3043) and the compiler's tests, and their review by the stubbed tests.
moto also lacks UpdateTerminationProtection, which is answered here as AWS answers it.
"""

from __future__ import annotations

import json
import shutil

import boto3
import pytest
from click.testing import CliRunner

import litellm_cfn.aws as aws_module
import litellm_cfn.build as build_module
import litellm_cfn.compiler as compiler_module
from litellm_cfn.cli import cli
from nested_stacks import vpc
from tests.aws import REGION
from tests.conftest import REPO


class _Accepted:
    status_code = 200


@pytest.fixture
def platform(aws, tmp_path, monkeypatch):
    """A working folder with specs/platform.yaml, deploying the VPC stack only."""
    real = compiler_module.compile_platform

    def vpc_only(spec, stacks=None):
        return real(spec, (vpc,))

    monkeypatch.setattr(compiler_module, "compile_platform", vpc_only)
    monkeypatch.setattr(build_module, "compile_platform", vpc_only)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    return tmp_path / "platform.yaml"


@pytest.fixture
def protection_calls(monkeypatch):
    """Termination protection requests, answered like AWS (moto does not implement them)."""
    calls: list[dict] = []
    real = aws_module.client

    def client(service, region, profile=None):
        made = real(service, region, profile)

        def answer(params, **_):
            body = params["body"]  # the request as botocore serialised it (query protocol)
            calls.append({"EnableTerminationProtection": body["EnableTerminationProtection"]})
            return _Accepted(), {"StackId": body["StackName"]}

        made.meta.events.register("before-call.cloudformation.UpdateTerminationProtection", answer)
        return made

    monkeypatch.setattr(aws_module, "client", client)
    return calls


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def cloudformation():
    return boto3.client("cloudformation", region_name=REGION)


def change_sets(stack: str = "litellm-prod") -> list[dict]:
    """The stack's change sets (moto's ListChangeSets ignores its StackName filter)."""
    summaries = cloudformation().list_change_sets(StackName=stack)["Summaries"]
    return [s for s in summaries if s["StackName"] == stack and s["ExecutionStatus"] == "AVAILABLE"]


def test_bootstrap_creates_the_artifacts_bucket_once(aws):
    first = run("bootstrap", "--region", REGION)
    assert first.exit_code == 0, first.output
    bucket = first.stdout.strip().splitlines()[-1].removeprefix("artifacts bucket: ")
    assert bucket in [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    again = run("bootstrap", "--region", REGION)
    assert again.exit_code == 0, again.output
    assert "litellm-cfn-bootstrap: up to date" in again.stdout


def test_deploy_without_bootstrap_says_what_to_do(platform, protection_calls):
    result = run("deploy", str(platform), "--yes")
    assert result.exit_code == 1
    assert "no artifacts bucket in us-east-1: run `litellm-cfn bootstrap" in result.stderr


def test_deploy_then_redeploy_without_changes_then_review_a_change(platform, protection_calls):
    assert run("bootstrap", "--region", REGION).exit_code == 0

    created = run("deploy", str(platform), "--yes")
    assert created.exit_code == 0, created.output
    assert "  Add     VpcStack" in created.stdout
    assert "litellm-prod: create complete" in created.stdout
    assert "VpcCidr            10.0.0.0/16" in created.stdout
    assert protection_calls == [{"EnableTerminationProtection": "true"}]
    (stack,) = cloudformation().describe_stacks(StackName="litellm-prod")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    policy = cloudformation().get_stack_policy(StackName="litellm-prod")["StackPolicyBody"]
    assert "LogicalResourceId/VpcStack" in policy

    unchanged = run("deploy", str(platform), "--yes")
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 uploaded, 1 unchanged" in unchanged.stdout
    assert unchanged.stdout.strip().endswith("no changes")
    assert change_sets() == []

    platform.write_text(platform.read_text().replace("retention_days: 30", "retention_days: 90"))
    diff = run("diff", str(platform))
    assert diff.exit_code == 0, diff.output
    assert "  Modify  VpcStack" in diff.stdout
    assert change_sets() == []
    as_json = run("diff", str(platform), "--output", "json")
    assert as_json.exit_code == 0, as_json.output
    (stack,) = json.loads(as_json.stdout)["stacks"]
    assert [(c["action"], c["logical_id"]) for c in stack["changes"]] == [("Modify", "VpcStack")]
    assert "packaged into" in as_json.stderr

    unattended = run("deploy", str(platform))
    assert unattended.exit_code == 3
    assert "not executing without approval" in unattended.stderr
    (left,) = change_sets()
    assert f"litellm-cfn execute {platform} {left['ChangeSetId']}" in unattended.stderr


def test_a_change_set_left_for_review_is_executed_later(platform, protection_calls):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    left = run("deploy", str(platform), "--no-execute")
    assert left.exit_code == 0, left.output
    assert "change set left for review" in left.stdout
    (stack,) = cloudformation().describe_stacks(StackName="litellm-prod")["Stacks"]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    (change_set,) = change_sets()
    executed = run("execute", str(platform), change_set["ChangeSetName"])
    assert executed.exit_code == 0, executed.output
    assert "litellm-prod: create complete" in executed.stdout
    assert protection_calls == [{"EnableTerminationProtection": "true"}]


def test_destroy_without_a_terminal_or_yes_stops_for_approval(platform, protection_calls):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--yes").exit_code == 0
    result = run("destroy", str(platform))
    assert result.exit_code == 3
    (stack,) = cloudformation().describe_stacks(StackName="litellm-prod")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_destroying_nothing_is_not_an_error(platform):
    result = run("destroy", str(platform), "--yes")
    assert result.exit_code == 0
    assert "does not exist in us-east-1: nothing to destroy" in result.stdout
