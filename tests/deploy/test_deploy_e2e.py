"""Deploying end to end over HTTP against a local moto server: bootstrap, create, redeploy,
review, execute later, watch, destroy.

moto cannot resolve `Fn::GetAtt <NestedStack>.Outputs.<Name>` while it executes a change
set, so these runs deploy a platform of the VPC stack alone (and one of the VPC and secrets
stacks, which feed only the root's outputs); how the other stacks are wired is checked by
cfn-lint (E3043) and the compiler's tests, and their review by the stubbed tests. moto also
lacks UpdateTerminationProtection, which the `protection_calls` fixture (conftest.py) answers
as AWS does. Guards and approvals are in test_deploy_guards_e2e.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import boto3
import pytest
from click.testing import CliRunner

import litellm_cfn.deploy.changesets as deploy_module
from litellm_cfn.cli import cli
from litellm_cfn.cli.options import Platform
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.changesets import Deployer
from litellm_cfn.deploy.guard import stateful_ids
from litellm_cfn.deploy.stack_state import stack_policy
from litellm_cfn.spec import load_spec
from nested_stacks import secrets, vpc
from tests.aws import REGION, answer_first
from tests.deploy.moto_deploys import (
    change_sets,
    cloudformation,
    denied,
    run,
    stack_status,
    vpc_stack_id,
)


@pytest.fixture
def local_clock_an_hour_ahead(monkeypatch):
    """A skewed local clock, for any code of the deployer that would read it."""

    class Skewed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=1)

    monkeypatch.setattr(deploy_module, "datetime", Skewed)


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
    json_unchanged = run("deploy", str(platform), "--yes", "--output", "json")
    assert json_unchanged.exit_code == 0, json_unchanged.output
    assert json.loads(json_unchanged.stdout)["stacks"] == []
    assert json_unchanged.stderr.strip().endswith("no changes")

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
    platform.write_text(platform.read_text().replace("retention_days: 90", "retention_days: 30"))
    nothing = run("diff", str(platform), "--output", "json")
    assert nothing.exit_code == 0, nothing.output
    assert json.loads(nothing.stdout) == {
        "stacks": [],
        "data_at_risk": [],
        "downtime": [],
        "access_broadened": [],
        "counts": {},
    }
    platform.write_text(platform.read_text().replace("retention_days: 30", "retention_days: 90"))

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


def test_allow_replace_holds_for_one_execution_and_the_strict_policy_is_set_after_it(
    platform, protection_calls, local_clock_an_hour_ahead
):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    created = run("deploy", str(platform), "--yes", "--allow-replace", "VpcStack")
    assert created.exit_code == 0, created.output
    assert denied("litellm-prod") == ["VpcStack"]
    assert denied(vpc_stack_id()) == ["FlowLogsLogGroup", "FlowLogsLogGroupKey"]
    # Events are read after the stack's last one by CloudFormation's clock, so a skewed local
    # clock hides none, and the empty stack the change set made is not replayed.
    assert "CREATE_COMPLETE          litellm-prod (AWS::CloudFormation::Stack)" in created.stdout
    assert "REVIEW_IN_PROGRESS" not in created.stdout


@pytest.mark.parametrize(
    "named",
    ["FlowLogsLogGroup", "VpcStack/FlowLogsLogGroup", "litellm-prod/VpcStack/FlowLogsLogGroup"],
)
def test_allow_replace_names_a_resource_as_the_review_does(platform, protection_calls, named):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--yes").exit_code == 0
    protected = stateful_ids(compile_platform(load_spec(platform).spec, (vpc,)))
    Deployer(cloudformation(), print).guard("litellm-prod", protected, [named])
    assert denied(vpc_stack_id()) == ["FlowLogsLogGroupKey"]
    assert denied("litellm-prod") == ["VpcStack"]


def test_watch_sets_the_strict_policy_again_once_the_stack_settles(platform, protection_calls):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--yes").exit_code == 0
    # As a deploy with --allow-replace left it when Ctrl-C stopped it watching.
    cloudformation().set_stack_policy(StackName="litellm-prod", StackPolicyBody=stack_policy([]))
    watched = run("watch", str(platform))
    assert watched.exit_code == 0, watched.output
    assert watched.stdout.strip().endswith("litellm-prod: CREATE_COMPLETE")
    assert denied("litellm-prod") == ["VpcStack"]


def test_watching_a_stack_that_only_holds_a_change_set_stops_at_once(platform, protection_calls):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--no-execute").exit_code == 0
    watched = run("watch", str(platform))
    assert watched.exit_code == 1
    assert watched.stderr == (
        "stack litellm-prod in us-east-1 is not created yet (REVIEW_IN_PROGRESS: a change set "
        "awaits review); nothing to watch\n"
    )


def test_diff_of_a_new_stack_leaves_no_empty_stack_behind_unless_kept(platform):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    diff = run("diff", str(platform))
    assert diff.exit_code == 0, diff.output
    assert "  Add     VpcStack" in diff.stdout
    assert stack_status() is None
    kept = run("diff", str(platform), "--keep")
    assert kept.exit_code == 0, kept.output
    assert stack_status() == "REVIEW_IN_PROGRESS"
    assert len(change_sets()) == 1
    # A stack diff did not create is left as it was, with the change set someone else kept.
    again = run("diff", str(platform))
    assert again.exit_code == 0, again.output
    assert stack_status() == "REVIEW_IN_PROGRESS"


def test_a_change_set_left_for_review_prints_json_alone_on_stdout(platform):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    left = run("deploy", str(platform), "--no-execute", "--output", "json")
    assert left.exit_code == 0, left.output
    (stack,) = json.loads(left.stdout)["stacks"]
    assert stack["changes"][0]["logical_id"] == "VpcStack"
    assert "change set left for review" in left.stderr


def test_execute_waits_out_an_operation_in_progress_like_deploy(
    platform, protection_calls, monkeypatch
):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--no-execute").exit_code == 0
    (change_set,) = change_sets()
    (described,) = cloudformation().describe_stacks(StackName="litellm-prod")["Stacks"]
    # moto finishes every operation within the call, so the one in progress is answered here.
    answer_first(
        monkeypatch,
        "cloudformation.DescribeStacks",
        [{"Stacks": [described | {"StackStatus": "UPDATE_IN_PROGRESS"}]}],
    )
    executed = run("execute", str(platform), change_set["ChangeSetName"])
    assert executed.exit_code == 0, executed.output
    assert executed.stdout.startswith(
        "litellm-prod is UPDATE_IN_PROGRESS; waiting for it to finish\n"
    )
    assert "litellm-prod: create complete" in executed.stdout


def test_bootstrap_recreates_a_failed_creation_when_asked(aws, monkeypatch):
    failed = {
        "StackName": "litellm-cfn-bootstrap",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-cfn-bootstrap/1",
        "CreationTime": datetime(2026, 11, 27),
        "StackStatus": "ROLLBACK_COMPLETE",
    }
    # moto never fails a creation, so the rolled-back stack is answered here, twice.
    answer_first(monkeypatch, "cloudformation.DescribeStacks", [{"Stacks": [failed]}] * 2)
    refused = run("bootstrap", "--region", REGION)
    assert refused.exit_code == 1
    assert "Rerun with --recreate-failed" in refused.stderr
    recreated = run("bootstrap", "--region", REGION, "--recreate-failed")
    assert recreated.exit_code == 0, recreated.output
    assert recreated.stdout.startswith("litellm-cfn-bootstrap failed to create; it will be deleted")
    assert recreated.stdout.strip().splitlines()[-1].startswith("artifacts bucket: ")


def test_a_bucket_name_that_is_no_bucket_name_is_bad_input(platform):
    result = run("diff", str(platform), "--artifact-bucket", "no such bucket")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "cannot diff litellm-prod: Parameter validation failed: Invalid bucket name "
        '"no such bucket": Bucket name must match the regex'
    )
    assert result.stderr.count("\n") == 1


def test_declining_a_first_deploy_on_a_terminal_leaves_no_stack_and_no_change_set(
    platform, monkeypatch
):
    import litellm_cfn.deploy.approval as approval

    assert run("bootstrap", "--region", REGION).exit_code == 0
    # CliRunner's stdin is never a terminal: let the question be asked as on one.
    monkeypatch.setattr(approval, "stop_without_terminal", lambda console, message: None)
    result = run("deploy", str(platform), input="n\n")
    assert result.exit_code == 3, result.output
    assert "declined; the change set was deleted" in result.output
    stacks = cloudformation().list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "litellm-prod"] in (
        [],
        ["DELETE_COMPLETE"],
    )


def test_a_platform_of_two_nested_stacks_deploys_redeploys_as_a_no_op_and_is_destroyed(
    platform, protection_calls
):
    # The VPC and the secrets stacks feed only the root's outputs, which moto can wire; the
    # other stacks take their inputs from these, which moto cannot (see the module's doc).
    two = Platform(stacks=(vpc, secrets))

    def run_two(*args: str):
        return CliRunner().invoke(cli, list(args), obj=two)

    assert run_two("bootstrap", "--region", REGION).exit_code == 0
    created = run_two("deploy", str(platform), "--yes")
    assert created.exit_code == 0, created.output
    assert "0 uploaded" not in created.stdout  # both nested templates were uploaded
    # moto writes events for the root stack only, so the nested stacks are read back.
    resources = cloudformation().list_stack_resources(StackName="litellm-prod")
    assert sorted(
        (r["LogicalResourceId"], r["ResourceStatus"]) for r in resources["StackResourceSummaries"]
    ) == [("SecretsStack", "CREATE_COMPLETE"), ("VpcStack", "CREATE_COMPLETE")]
    for output in ("VpcId", "LitellmSaltKeySecretName", "LitellmSecretsKeyArn"):
        assert any(line.startswith(output) for line in created.stdout.splitlines()), output
    assert denied("litellm-prod") == ["SecretsStack", "VpcStack"]

    unchanged = run_two("deploy", str(platform), "--yes")
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 uploaded, 2 unchanged" in unchanged.stdout
    assert unchanged.stdout.strip().endswith("no changes")

    destroyed = run_two("destroy", str(platform), "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    assert "keeps secrets/LitellmSaltKeySecret (AWS::SecretsManager::Secret)" in destroyed.stdout
    assert destroyed.stdout.strip().endswith("litellm-prod: deleted")
    assert protection_calls[-1] == {"EnableTerminationProtection": "false"}
