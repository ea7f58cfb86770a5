"""Deploying end to end over HTTP against a local moto server.

moto cannot resolve `Fn::GetAtt <NestedStack>.Outputs.<Name>` while it executes a change
set, so these runs deploy a platform of the VPC stack alone; how the other stacks are wired
is checked by cfn-lint (E3043) and the compiler's tests, and their review by the stubbed tests.
moto also lacks UpdateTerminationProtection, which is answered here as AWS answers it.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
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
from tests.conftest import REPO


class _Accepted:
    status_code = 200


@pytest.fixture
def platform(aws, tmp_path, monkeypatch):
    """A working folder with specs/platform.yaml, deploying the VPC stack only."""
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    return tmp_path / "platform.yaml"


@pytest.fixture
def protection_calls(monkeypatch):
    """Termination protection requests, answered like AWS (moto does not implement them)."""
    calls: list[dict] = []
    real = aws_module.client

    def client(service, region, profile=None, notice=None):
        made = real(service, region, profile, notice)

        def answer(params, **_):
            body = params["body"]  # the request as botocore serialised it (query protocol)
            calls.append({"EnableTerminationProtection": body["EnableTerminationProtection"]})
            return _Accepted(), {"StackId": body["StackName"]}

        made.meta.events.register("before-call.cloudformation.UpdateTerminationProtection", answer)
        return made

    monkeypatch.setattr(aws_module, "client", client)
    return calls


# moto cannot execute nested stacks wired by outputs: these tests deploy the VPC stack alone,
# through the CLI's seam for the set of stacks (click's context object).
VPC_ONLY = Platform(stacks=(vpc,))


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), obj=VPC_ONLY, **kwargs)


def cloudformation():
    return boto3.client("cloudformation", region_name=REGION)


def change_sets(stack: str = "litellm-prod") -> list[dict]:
    """The stack's change sets (moto's ListChangeSets ignores its StackName filter)."""
    summaries = cloudformation().list_change_sets(StackName=stack)["Summaries"]
    return [s for s in summaries if s["StackName"] == stack and s["ExecutionStatus"] == "AVAILABLE"]


def stack_status(stack: str = "litellm-prod") -> str | None:
    try:
        (described,) = cloudformation().describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        assert "does not exist" in str(error)
        return None
    return str(described["StackStatus"])


def denied(stack: str) -> list[str]:
    """The logical ids the stack's policy keeps from replacement and deletion."""
    policy = json.loads(cloudformation().get_stack_policy(StackName=stack)["StackPolicyBody"])
    return [
        resource.removeprefix("LogicalResourceId/")
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny"
        for resource in statement["Resource"]
    ]


def vpc_stack_id() -> str:
    (nested,) = cloudformation().list_stack_resources(StackName="litellm-prod")[
        "StackResourceSummaries"
    ]
    return str(nested["PhysicalResourceId"])


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


def left_for_review(result) -> list[str]:
    """The `execute` command a `deploy --no-execute` printed, as arguments."""
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("execute it with: ")]
    program, *args = line.removeprefix("execute it with: ").split()
    assert program == "litellm-cfn"
    return args


def test_diff_reviews_the_change_set_left_for_review_keeps_it_and_execute_runs_it(
    platform, protection_calls
):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    left = run("deploy", str(platform), "--no-execute")
    assert left.exit_code == 0, left.output
    command = left_for_review(left)
    (change_set,) = change_sets()
    assert command == ["execute", str(platform), change_set["ChangeSetId"]]

    diff = run("diff", str(platform))
    assert diff.exit_code == 0, diff.output
    assert f"reviewing the change set left for review: {change_set['ChangeSetId']}\n" in (
        diff.stdout
    )
    assert "  Add     VpcStack" in diff.stdout
    assert diff.stdout.endswith(f"change set kept: {change_set['ChangeSetId']}\n")
    assert change_sets() == [change_set]
    assert stack_status() == "REVIEW_IN_PROGRESS"

    executed = run(*command)
    assert executed.exit_code == 0, executed.output
    assert "litellm-prod: create complete" in executed.stdout
    assert stack_status() == "CREATE_COMPLETE"
    assert protection_calls == [{"EnableTerminationProtection": "true"}]


NO_SUCH_THING = (
    "--allow-replace 'NoSuchThing': no stateful resource of this platform is named so; it "
    "guards VpcStack, VpcStack/FlowLogsLogGroup, VpcStack/FlowLogsLogGroupKey\n"
)


def test_allow_replace_naming_no_guarded_resource_leaves_no_change_set_and_no_empty_stack(
    platform,
):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    refused = run("deploy", str(platform), "--yes", "--allow-replace", "NoSuchThing")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == NO_SUCH_THING
    assert change_sets() == []
    assert stack_status() is None


def test_allow_replace_naming_no_guarded_resource_leaves_a_deployed_stack_as_it_was(
    platform, protection_calls
):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--yes").exit_code == 0
    platform.write_text(platform.read_text().replace("retention_days: 30", "retention_days: 90"))
    refused = run("deploy", str(platform), "--yes", "--allow-replace", "NoSuchThing")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == NO_SUCH_THING
    assert "  Modify  VpcStack" in refused.stdout
    assert change_sets() == []
    assert stack_status() == "CREATE_COMPLETE"
    assert denied("litellm-prod") == ["VpcStack"]


def test_allow_replace_naming_no_guarded_resource_keeps_a_change_set_left_for_review(platform):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    assert run("deploy", str(platform), "--no-execute").exit_code == 0
    (left,) = change_sets()
    refused = run("deploy", str(platform), "--yes", "--allow-replace", "NoSuchThing")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == NO_SUCH_THING
    assert change_sets() == [left]
    assert stack_status() == "REVIEW_IN_PROGRESS"


class _CtrlCOnRead(io.RawIOBase):
    """A terminal where the person presses Ctrl-C instead of answering."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if len(buffer) == 0:
            return 0
        raise KeyboardInterrupt


def test_ctrl_c_at_the_question_of_a_first_deploy_deletes_the_change_set_and_empty_stack(
    platform, monkeypatch
):
    import litellm_cfn.deploy.approval as approval

    assert run("bootstrap", "--region", REGION).exit_code == 0
    # CliRunner's stdin is never a terminal: let the question be asked as on one.
    monkeypatch.setattr(approval, "stop_without_terminal", lambda console, message: None)
    result = run("deploy", str(platform), input=_CtrlCOnRead())
    assert result.exit_code == 130, result.output
    assert "Execute this change set? [y/N]: " in result.stdout
    assert result.stderr == "\ninterrupted at the question; the change set was deleted\n"
    assert change_sets() == []
    stacks = cloudformation().list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "litellm-prod"] in (
        [],
        ["DELETE_COMPLETE"],
    )


def interrupt_the_next_watch(monkeypatch) -> None:
    """Ctrl-C during the next watch, after the real execution (moto finishes it within the
    call, so the stack is complete and only its guards are missing); later watches run."""
    real_watch = Deployer.watch
    interrupted: list[str] = []

    def watch(self, stack_id, *args, **kwargs):
        if not interrupted:
            interrupted.append(stack_id)
            raise KeyboardInterrupt
        return real_watch(self, stack_id, *args, **kwargs)

    monkeypatch.setattr(Deployer, "watch", watch)


def no_policy(stack: str) -> bool:
    return "StackPolicyBody" not in cloudformation().get_stack_policy(StackName=stack)


def deploy_interrupted_while_watching(platform, protection_calls, monkeypatch) -> None:
    assert run("bootstrap", "--region", REGION).exit_code == 0
    interrupt_the_next_watch(monkeypatch)
    stopped = run("deploy", str(platform), "--yes")
    assert stopped.exit_code == 130, stopped.output
    assert stopped.stderr == (
        "\nstopped watching litellm-prod; the deployment goes on. Resume with: litellm-cfn "
        f"watch {platform} (it sets the strict stack policy and termination protection once "
        "the stack settles)\n"
    )
    assert stack_status() == "CREATE_COMPLETE"
    assert protection_calls == []
    assert no_policy("litellm-prod")
    assert no_policy(vpc_stack_id())


def test_watch_after_an_interrupted_first_deploy_sets_the_policies_and_protection(
    platform, protection_calls, monkeypatch
):
    deploy_interrupted_while_watching(platform, protection_calls, monkeypatch)
    watched = run("watch", str(platform))
    assert watched.exit_code == 0, watched.output
    assert watched.stdout.endswith("litellm-prod: CREATE_COMPLETE\n")
    assert protection_calls == [{"EnableTerminationProtection": "true"}]
    root = cloudformation().get_stack_policy(StackName="litellm-prod")["StackPolicyBody"]
    assert root == stack_policy(["VpcStack"])
    nested = cloudformation().get_stack_policy(StackName=vpc_stack_id())["StackPolicyBody"]
    assert nested == stack_policy(["FlowLogsLogGroup", "FlowLogsLogGroupKey"])


def test_a_redeploy_without_changes_turns_termination_protection_on_if_it_is_off(
    platform, protection_calls, monkeypatch
):
    deploy_interrupted_while_watching(platform, protection_calls, monkeypatch)
    (stack,) = cloudformation().describe_stacks(StackName="litellm-prod")["Stacks"]
    assert stack["EnableTerminationProtection"] is False
    unchanged = run("deploy", str(platform), "--yes")
    assert unchanged.exit_code == 0, unchanged.output
    assert unchanged.stdout.endswith("no changes\n")
    assert protection_calls == [{"EnableTerminationProtection": "true"}]


def test_termination_protection_a_local_endpoint_lacks_is_only_a_warning(aws, platform):
    assert run("bootstrap", "--region", REGION).exit_code == 0
    created = run("deploy", str(platform), "--yes")
    assert created.exit_code == 0, created.output
    assert "litellm-prod: create complete" in created.stdout
    *retries, warning = created.stderr.splitlines()
    assert warning == (
        f"warning: litellm-prod has no termination protection: the local endpoint {aws} does "
        "not implement UpdateTerminationProtection (AWS does)"
    )
    # Nothing else is said, unless that the call was tried again.
    assert all(line.startswith("CloudFormation UpdateTerminationProtection: ") for line in retries)
    assert denied("litellm-prod") == ["VpcStack"]


# What a web server (werkzeug, as moto answers an operation it lacks) sends for a crash.
HTML_500 = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was "
    b"unable to complete your request.</p>\n"
)


class _Page:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def test_a_stack_policy_a_local_endpoint_fails_to_set_fails_the_deploy(
    aws, platform, protection_calls, monkeypatch
):
    from botocore.awsrequest import AWSResponse

    sent: list[str] = []
    with_protection = aws_module.client

    def client(service, region, profile=None, notice=None):
        made = with_protection(service, region, profile, notice)

        def crash(request, **_):
            sent.append(request.url)
            headers = {"Content-Type": "text/html; charset=utf-8"}
            return AWSResponse(request.url, 500, headers, _Page(HTML_500))

        made.meta.events.register("before-send.cloudformation.SetStackPolicy", crash)
        return made

    monkeypatch.setattr(aws_module, "client", client)
    assert run("bootstrap", "--region", REGION).exit_code == 0
    failed = run("deploy", str(platform), "--yes")
    assert failed.exit_code == 1, failed.output
    assert "litellm-prod: create complete" not in failed.stdout
    *retries, error = failed.stderr.splitlines()
    assert [line.rsplit("; ", 1)[-1] for line in retries] == [
        "retrying (attempt 2)",
        "retrying (attempt 3)",
    ]
    assert error.startswith(
        f"cannot deploy litellm-prod: CloudFormation SetStackPolicy failed at {aws}: it "
        "answered HTTP 500 with an HTML page, not an AWS API response"
    ), error
    assert "This is the endpoint's failure, not the spec's" in error
    assert sent
    assert protection_calls == []


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
