"""`recover`: continuing a rollback stuck in UPDATE_ROLLBACK_FAILED.

Played back through botocore's Stubber on a real CloudFormation client, with answers shaped
like AWS's: moto never reaches UPDATE_ROLLBACK_FAILED (it finishes or raises within each call)
and does not implement ContinueUpdateRollback at all (moto/cloudformation/responses.py has no
continue_update_rollback). The Stubber also checks each call's parameters and their order, so
a test fails on any call it did not expect: "nothing called" is checked, not assumed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.cli import cli
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.changesets import Deployer
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.guard import Guarded, stateful_ids
from litellm_cfn.deploy.recover import FailedResource, recover, resources_to_skip
from litellm_cfn.deploy.stack_state import stack_policy
from litellm_cfn.errors import InputError, LitellmCfnError
from tests.conftest import REPO, spec_from

SPEC = str(REPO / "specs" / "platform.yaml")
ACCOUNT = "arn:aws:cloudformation:us-east-1:123456789012:stack"
ROOT = f"{ACCOUNT}/litellm-prod/0a1b"
RDS = f"{ACCOUNT}/litellm-prod-RdsStack-9Z/2c3d"
VPC = f"{ACCOUNT}/litellm-prod-VpcStack-4Y/5e6f"
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
DB_REASON = (
    'Resource handler returned message: "DB instance litellm-prod-postgres is not in an '
    'available state" (RequestToken: 6b1e, HandlerErrorCode: InvalidRequest)'
)
RDS_REASON = (
    f"Embedded stack {RDS} was not successfully updated. Currently in UPDATE_ROLLBACK_FAILED."
)


def stack(status: str, protected: bool = True) -> dict:
    return {
        "Stacks": [
            {
                "StackName": "litellm-prod",
                "StackId": ROOT,
                "CreationTime": NOW,
                "StackStatus": status,
                "EnableTerminationProtection": protected,
            }
        ]
    }


def resource(logical: str, kind: str, status: str, physical: str = "", reason: str = "") -> dict:
    summary = {
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": status,
        "PhysicalResourceId": physical or f"{logical.lower()}-1",
    }
    return summary | ({"ResourceStatusReason": reason} if reason else {})


ROOT_RESOURCES = [
    resource("RdsStack", "AWS::CloudFormation::Stack", "UPDATE_FAILED", RDS, RDS_REASON),
    resource("VpcStack", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", VPC),
]
RDS_RESOURCES = [
    resource("Database", "AWS::RDS::DBInstance", "UPDATE_FAILED", reason=DB_REASON),
    resource("DatabaseKey", "AWS::KMS::Key", "UPDATE_COMPLETE"),
]
VPC_RESOURCES = [resource("Vpc", "AWS::EC2::VPC", "UPDATE_COMPLETE")]


def event(n: int, stack_id: str, logical: str, kind: str, status: str, physical: str) -> dict:
    return {
        "EventId": f"e{n}",
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "Timestamp": NOW + timedelta(seconds=n),
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "ResourceStatus": status,
        "PhysicalResourceId": physical,
    }


NESTED = "AWS::CloudFormation::Stack"
STUCK = event(0, ROOT, "litellm-prod", NESTED, "UPDATE_ROLLBACK_FAILED", ROOT)
ROOT_EVENTS = [
    event(1, ROOT, "litellm-prod", NESTED, "UPDATE_ROLLBACK_IN_PROGRESS", ROOT),
    event(3, ROOT, "RdsStack", NESTED, "UPDATE_COMPLETE", RDS),
    event(4, ROOT, "litellm-prod", NESTED, "UPDATE_ROLLBACK_COMPLETE", ROOT),
]
RDS_EVENTS = [event(2, RDS, "Database", "AWS::RDS::DBInstance", "UPDATE_COMPLETE", "db-1")]


def listed(stubber: Stubber) -> None:
    """The stuck stack's status, then its resources and its nested stacks'."""
    stubber.add_response(
        "describe_stacks", stack("UPDATE_ROLLBACK_FAILED"), {"StackName": "litellm-prod"}
    )
    for name, resources in (
        ("litellm-prod", ROOT_RESOURCES),
        (RDS, RDS_RESOURCES),
        (VPC, VPC_RESOURCES),
    ):
        stubber.add_response(
            "list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": name}
        )


def events(stubber: Stubber) -> None:
    stubber.add_response(
        "describe_stack_events", {"StackEvents": [*ROOT_EVENTS[::-1], STUCK]}, {"StackName": ROOT}
    )
    stubber.add_response("describe_stack_events", {"StackEvents": RDS_EVENTS}, {"StackName": RDS})


def stubbed_cli(monkeypatch: pytest.MonkeyPatch) -> tuple[object, Stubber]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: client)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    return client, Stubber(client)


def test_without_a_terminal_or_yes_the_failed_resources_are_listed_and_nothing_is_called(
    monkeypatch,
):
    _, stubber = stubbed_cli(monkeypatch)
    with stubber:
        listed(stubber)
        result = CliRunner().invoke(cli, ["recover", SPEC, "--skip", "RdsStack/Database"])
        stubber.assert_no_pending_responses()
    assert result.exit_code == 3, result.output
    table = result.stdout.splitlines()
    assert table[0] == "resources that failed to roll back:"
    assert table[1].split() == ["Stack", "Logical", "ID", "Type", "Reason"]
    assert table[2].split()[:3] == ["litellm-prod", "RdsStack", "AWS::CloudFormation::Stack"]
    assert table[2].endswith(RDS_REASON)
    assert table[3].split()[:3] == ["litellm-prod/RdsStack", "Database", "AWS::RDS::DBInstance"]
    assert table[3].endswith(DB_REASON)
    assert (
        "litellm-prod/RdsStack/Database (AWS::RDS::DBInstance): CloudFormation will "
        "consider it rolled back; its real state may differ from the template" in result.stderr
    )
    assert (
        f"  litellm-cfn recover {SPEC} --skip litellm-prod/RdsStack/Database --yes" in result.stderr
    )


def test_a_skip_that_names_no_failed_resource_is_refused(monkeypatch):
    _, stubber = stubbed_cli(monkeypatch)
    with stubber:
        listed(stubber)
        result = CliRunner().invoke(cli, ["recover", SPEC, "--skip", "Cluster", "--yes"])
        stubber.assert_no_pending_responses()
    assert result.exit_code == 2
    assert (
        "--skip 'Cluster': no resource that failed to roll back is named so; those that did: "
        "litellm-prod/RdsStack, litellm-prod/RdsStack/Database"
    ) in result.stderr


def failed() -> list[FailedResource]:
    return [
        FailedResource("litellm-prod", "", "RdsStack", NESTED, RDS_REASON),
        FailedResource("litellm-prod", "RdsStack", "Database", "AWS::RDS::DBInstance", DB_REASON),
        FailedResource("litellm-prod", "", "CustomHook", "Custom::Hook", "timed out"),
    ]


@pytest.mark.parametrize(
    "name", ["Database", "RdsStack/Database", "litellm-prod/RdsStack/Database"]
)
def test_a_nested_resource_is_skipped_as_its_stacks_logical_id_dot_its_own(name):
    # ResourcesToSkip: "NestedStackName.ResourceLogicalID", the nested stack's logical id in
    # the parent, never its generated stack name (litellm-prod-RdsStack-9Z).
    (chosen,) = resources_to_skip(failed(), [name, name])
    assert chosen.to_skip == "RdsStack.Database"


def test_a_root_resource_is_skipped_by_its_logical_id_alone():
    assert [r.to_skip for r in resources_to_skip(failed(), ["CustomHook"])] == ["CustomHook"]


def test_a_nested_stack_holding_failed_resources_is_not_skipped_whole():
    with pytest.raises(
        InputError, match=r"skip what failed in it instead: litellm-prod/RdsStack/Database"
    ):
        resources_to_skip(failed(), ["RdsStack"])


def target_around(client: object, asked: list[str]) -> Target:
    spec = spec_from("name: litellm\n")
    console = Console(print, print, print, lambda q: asked.append(q) or True, str, lambda: True)
    deployer = Deployer(client, print, poll_seconds=0)
    return Target(
        spec,
        Path("platform.yaml"),
        "us-east-1",
        deployer,
        client,
        None,
        compile_platform(spec),
        console,
    )


def guarded(stubber: Stubber, protected: Guarded, status: str) -> None:
    """then_guard: the strict policy on every stack that exists, the root last."""
    stubber.add_response("describe_stacks", stack(status), {"StackName": "litellm-prod"})
    stubber.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": ROOT_RESOURCES},
        {"StackName": "litellm-prod"},
    )
    for name, ids in (
        (VPC, protected.nested["VpcStack"]),
        (RDS, protected.nested["RdsStack"]),
        ("litellm-prod", protected.root),
    ):
        stubber.add_response(
            "set_stack_policy", {}, {"StackName": name, "StackPolicyBody": stack_policy(ids)}
        )


def continued(stubber: Stubber, to_skip: list[str], ended: str) -> None:
    """ContinueUpdateRollback after the stack's last event, then the watch until `ended`."""
    stubber.add_response(
        "describe_stacks", stack("UPDATE_ROLLBACK_FAILED"), {"StackName": "litellm-prod"}
    )
    stubber.add_response("describe_stack_events", {"StackEvents": [STUCK]}, {"StackName": ROOT})
    stubber.add_response(
        "continue_update_rollback", {}, {"StackName": "litellm-prod", "ResourcesToSkip": to_skip}
    )
    events(stubber)
    stubber.add_response("describe_stacks", stack(ended), {"StackName": ROOT})
    events(stubber)


def test_the_rollback_is_continued_watched_to_complete_then_every_stack_is_guarded():
    client = boto3.client("cloudformation", region_name="us-east-1")
    asked: list[str] = []
    target = target_around(client, asked)
    protected = stateful_ids(target.compiled)
    with Stubber(client) as stubber:
        listed(stubber)
        continued(stubber, ["RdsStack.Database"], "UPDATE_ROLLBACK_COMPLETE")
        guarded(stubber, protected, "UPDATE_ROLLBACK_COMPLETE")
        stubber.add_response(
            "describe_stacks",
            stack("UPDATE_ROLLBACK_COMPLETE", protected=False),
            {"StackName": "litellm-prod"},
        )
        stubber.add_response(
            "update_termination_protection",
            {"StackId": ROOT},
            {"StackName": "litellm-prod", "EnableTerminationProtection": True},
        )
        assert recover(target, ("RdsStack/Database",), yes=False) == "UPDATE_ROLLBACK_COMPLETE"
        stubber.assert_no_pending_responses()
    assert asked == ["Continue rolling back litellm-prod, skipping litellm-prod/RdsStack/Database?"]


def test_a_rollback_that_fails_again_says_so_and_guards_the_stacks():
    client = boto3.client("cloudformation", region_name="us-east-1")
    target = target_around(client, [])
    with Stubber(client) as stubber:
        listed(stubber)
        continued(stubber, [], "UPDATE_ROLLBACK_FAILED")
        guarded(stubber, stateful_ids(target.compiled), "UPDATE_ROLLBACK_FAILED")
        with pytest.raises(LitellmCfnError) as caught:
            recover(target, (), yes=True)
        stubber.assert_no_pending_responses()
    assert str(caught.value).startswith("litellm-prod ended UPDATE_ROLLBACK_FAILED")
    assert str(caught.value).endswith(
        "see what failed again with: litellm-cfn recover platform.yaml"
    )


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (
            "UPDATE_COMPLETE",
            0,
            "litellm-prod is UPDATE_COMPLETE, not UPDATE_ROLLBACK_FAILED: nothing to recover",
        ),
        ("UPDATE_ROLLBACK_IN_PROGRESS", 1, "nothing to recover; follow it with `litellm-cfn watch"),
        ("ROLLBACK_COMPLETE", 1, "litellm-prod is ROLLBACK_COMPLETE, not UPDATE_ROLLBACK_FAILED"),
    ],
)
def test_a_stack_not_stuck_has_nothing_to_recover(monkeypatch, status, code, said):
    _, stubber = stubbed_cli(monkeypatch)
    with stubber:
        stubber.add_response("describe_stacks", stack(status), {"StackName": "litellm-prod"})
        result = CliRunner().invoke(cli, ["recover", SPEC, "--yes"])
        stubber.assert_no_pending_responses()
    assert result.exit_code == code
    assert said in result.output


def test_a_missing_stack_is_a_failure(monkeypatch):
    _, stubber = stubbed_cli(monkeypatch)
    with stubber:
        stubber.add_client_error(
            "describe_stacks",
            "ValidationError",
            "Stack with id litellm-prod does not exist",
            400,
            expected_params={"StackName": "litellm-prod"},
        )
        result = CliRunner().invoke(cli, ["recover", SPEC, "--yes"])
    assert result.exit_code == 1
    assert "stack litellm-prod does not exist in us-east-1" in result.stderr
