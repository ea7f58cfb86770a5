"""`deploy --check-drift`: drift read against the review, and the deploy stopping on it.

The matching is pure: DriftReport and Review are built from their dataclasses. The flow test
runs `actions.deploy` on a CloudFormation client played back through botocore's Stubber (the
stack's status, then deleting the change set) with `detect_drift` replaced by one returning a
real DriftReport: moto does not model drift detection, and the detection's own calls are
played back in test_drift.py; here what is under test is what the deploy does with its answer.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

import litellm_cfn.deploy.actions as actions
import litellm_cfn.deploy.drift_check as drift_check
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.changesets import ChangeSet, Deployer, Prepared
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.drift_check import check, overwrite_lines
from litellm_cfn.deploy.drift_report import Difference, DriftReport, ResourceDrift, StackDrift
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.review import Change, Review, StackReview
from litellm_cfn.errors import LitellmCfnError
from tests.conftest import spec_from

ROOT = "litellm-prod"
RDS = f"{ROOT}/RdsStack"
EKS = f"{ROOT}/EksStack"
CS_ID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/litellm-cfn-0123456789ab/1"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/0a1b"
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def change(stack: str, action: str, logical_id: str, resource_type: str) -> Change:
    return Change(stack, action, logical_id, resource_type, "False")


def drifted(stack: str, logical_id: str, resource_type: str, status: str = "MODIFIED"):
    differences = (Difference("/BackupRetentionPeriod", "7", "1", "NOT_EQUAL"),)
    return ResourceDrift(
        stack,
        logical_id,
        f"{logical_id.lower()}-1",
        resource_type,
        status,
        differences if status == "MODIFIED" else (),
    )


def report(*resources: ResourceDrift, failed: tuple[str, ...] = ()) -> DriftReport:
    stacks = [
        StackDrift(
            name,
            f"id-{name}",
            "DETECTION_FAILED" if name in failed else "DETECTION_COMPLETE",
            "DRIFTED" if any(r.stack == name for r in resources) else "IN_SYNC",
            resources=tuple(r for r in resources if r.stack == name),
        )
        for name in (ROOT, RDS, EKS)
    ]
    return DriftReport(tuple(stacks))


def review(*changes: Change) -> Review:
    stacks = {c.stack for c in changes}
    return Review(
        tuple(
            StackReview(s, f"cs-{s}", tuple(c for c in changes if c.stack == s))
            for s in sorted(stacks)
        )
    )


DATABASE = drifted(RDS, "Database", "AWS::RDS::DBInstance")
MODIFY_DATABASE = change(RDS, "Modify", "Database", "AWS::RDS::DBInstance")


def test_a_drifted_nested_resource_the_change_set_modifies_is_an_overwrite():
    found = check(report(DATABASE), review(MODIFY_DATABASE))
    assert [(o.change, o.drift) for o in found.overwrites] == [(MODIFY_DATABASE, DATABASE)]
    assert found.untouched == ()


def test_a_resource_deleted_by_hand_that_the_change_set_removes_is_an_overwrite():
    gone = drifted(ROOT, "Alarm", "AWS::CloudWatch::Alarm", "DELETED")
    found = check(report(gone), review(change(ROOT, "Remove", "Alarm", "AWS::CloudWatch::Alarm")))
    assert [o.drift.qualified_id for o in found.overwrites] == [f"{ROOT}/Alarm"]


def test_drift_the_change_set_does_not_touch_is_only_reported():
    group = drifted(EKS, "ClusterSecurityGroup", "AWS::EC2::SecurityGroup")
    found = check(report(DATABASE, group), review(MODIFY_DATABASE))
    assert [o.drift for o in found.overwrites] == [DATABASE]
    assert found.untouched == (group,)


def test_the_same_logical_id_in_another_stack_is_not_a_match():
    elsewhere = drifted(EKS, "Database", "AWS::RDS::DBInstance")
    found = check(report(elsewhere), review(MODIFY_DATABASE))
    assert found.overwrites == ()
    assert found.untouched == (elsewhere,)


@pytest.mark.parametrize("action", ["Add", "Import", "Dynamic"])
def test_only_modify_and_remove_overwrite(action):
    found = check(report(DATABASE), review(change(RDS, action, "Database", DATABASE.resource_type)))
    assert found.overwrites == ()


def test_a_failed_detection_is_unknown_only_on_a_stack_the_change_set_changes():
    found = check(report(failed=(RDS, EKS)), review(MODIFY_DATABASE))
    assert [s.stack for s in found.unknown] == [RDS]


def test_the_overwrite_lines_name_the_resource_the_action_and_each_difference():
    lines = overwrite_lines(check(report(DATABASE), review(MODIFY_DATABASE)).overwrites)
    assert lines == [
        f"  MODIFIED {RDS}/Database (AWS::RDS::DBInstance): the change set would modify it",
        "    NOT_EQUAL /BackupRetentionPeriod: template 7, actual 1",
    ]


def flow(monkeypatch, lines: list[str], executed: list[str]):
    """A deploy target on a stubbed client, with preparing, the upgrade plan, detection and
    execution replaced: the change set modifies the drifted database (no replacement)."""
    client = boto3.client("cloudformation", region_name="us-east-1")
    spec = spec_from("name: litellm\n")
    console = Console(lines.append, lines.append, lines.append, bool, str, lambda: False)
    target = Target(
        spec, Path("p.yaml"), "us-east-1", Deployer(client, lines.append), client, None,
        compile_platform(spec), console,
    )  # fmt: skip
    prepared = Prepared(ROOT, ChangeSet(CS_ID, created=True), "update", review(MODIFY_DATABASE))
    monkeypatch.setattr(actions, "prepare", lambda *_, **__: prepared)
    monkeypatch.setattr(actions, "kubernetes_upgrade", lambda _: None)
    monkeypatch.setattr(drift_check, "detect_drift", lambda *_: report(DATABASE))
    monkeypatch.setattr(actions, "execute_reviewed", lambda *args: executed.append(args[1].id))
    stubber = Stubber(client)
    stack = {"StackName": ROOT, "StackId": STACK_ID, "CreationTime": NOW}
    answer = {"Stacks": [{**stack, "StackStatus": "UPDATE_COMPLETE"}]}
    stubber.add_response("describe_stacks", answer, {"StackName": ROOT})
    return target, stubber, answer


def test_deploy_check_drift_stops_and_deletes_the_change_set(monkeypatch):
    lines: list[str] = []
    executed: list[str] = []
    target, stubber, answer = flow(monkeypatch, lines, executed)
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CS_ID})
    stubber.add_response("describe_stacks", answer, {"StackName": ROOT})
    with stubber, pytest.raises(LitellmCfnError) as caught:
        actions.deploy(target, None, "text", (), True, False, False, check_drift=True)
    stubber.assert_no_pending_responses()
    assert caught.value.exit_code == 1
    message = str(caught.value)
    assert f"MODIFIED {RDS}/Database (AWS::RDS::DBInstance)" in message
    assert "NOT_EQUAL /BackupRetentionPeriod: template 7, actual 1" in message
    assert "the change set was deleted" in message and "--overwrite-drift" in message
    assert executed == []


def test_a_detection_that_fails_abandons_the_deploys_change_set(monkeypatch):
    from litellm_cfn.deploy.retries import EndpointFailed

    lines: list[str] = []
    executed: list[str] = []
    target, stubber, answer = flow(monkeypatch, lines, executed)
    failure = EndpointFailed(
        "https://cloudformation.us-east-1.amazonaws.com",
        "CloudFormation DetectStackDrift",
        "did not answer (timeout)",
    )

    def fails(*_):
        raise failure

    monkeypatch.setattr(drift_check, "detect_drift", fails)
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CS_ID})
    stubber.add_response("describe_stacks", answer, {"StackName": ROOT})
    with stubber, pytest.raises(LitellmCfnError) as caught:
        actions.deploy(target, None, "text", (), True, False, False, check_drift=True)
    stubber.assert_no_pending_responses()  # the change set was deleted
    assert "CloudFormation DetectStackDrift failed at" in str(caught.value)
    assert executed == []


def test_deploy_overwrite_drift_warns_and_executes(monkeypatch):
    lines: list[str] = []
    executed: list[str] = []
    target, stubber, _ = flow(monkeypatch, lines, executed)
    with stubber:
        actions.deploy(
            target, None, "text", (), True, False, False, check_drift=True, overwrite_drift=True
        )
    stubber.assert_no_pending_responses()
    assert f"warning: overwriting drift on {RDS}/Database" in lines
    assert executed == [CS_ID]


def test_without_check_drift_nothing_is_detected(monkeypatch):
    executed: list[str] = []
    target, stubber, _ = flow(monkeypatch, [], executed)
    monkeypatch.setattr(drift_check, "detect_drift", lambda *_: pytest.fail("detected"))
    with stubber:
        actions.deploy(target, None, "text", (), True, False, False)
    assert executed == [CS_ID]


def test_diff_check_drift_shows_the_overwrite_without_stopping(monkeypatch):
    lines: list[str] = []
    target, stubber, answer = flow(monkeypatch, lines, [])
    stubber = Stubber(target.cfn)  # diff asks no status first: only the change set's deletion
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CS_ID})
    stubber.add_response("describe_stacks", answer, {"StackName": ROOT})
    with stubber:
        actions.diff(target, None, "text", False, check_drift=True)
    stubber.assert_no_pending_responses()
    assert f"warning: would overwrite drift on {RDS}/Database" in lines


def test_overwrite_drift_without_check_drift_is_a_usage_error():
    from click.testing import CliRunner

    from litellm_cfn.cli import cli

    result = CliRunner().invoke(cli, ["deploy", "platform.yaml", "--overwrite-drift"])
    assert result.exit_code == 2
    assert "--overwrite-drift goes with --check-drift" in result.output
