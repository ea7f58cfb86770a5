"""Approvals, guards and termination protection, end to end against the local moto server:
a change set left for review is reused and kept, an --allow-replace naming nothing guarded
is refused, Ctrl-C at the question declines, `watch` and the next deploy finish what an
interrupted first deploy left, and only UpdateTerminationProtection, which moto lacks, may
fail as a warning on a loopback endpoint.
"""

from __future__ import annotations

import io

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.deploy.changesets import Deployer
from litellm_cfn.deploy.stack_state import stack_policy
from tests.aws import REGION
from tests.deploy.moto_deploys import (
    change_sets,
    cloudformation,
    denied,
    run,
    stack_status,
    vpc_stack_id,
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
