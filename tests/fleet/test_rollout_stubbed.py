"""Waves as AWS runs them, which moto cannot: moto finishes every stack set operation within
the call and ignores operation preferences. These rollouts run against the local moto server
with the calls moto cannot answer truthfully answered in AWS's shape (DescribeStackSetOperation
and ListStackSetOperationResults, per the CloudFormation API reference): an operation still
running, a target that fails. What the tool sends (each wave's preferences) is recorded as
botocore serialised it."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import boto3

import litellm_cfn.deploy.aws as aws_module
from tests.aws import REGION
from tests.fleet.moto_fleet import BUCKET, A, run

NOW = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)


class _Answered:
    def __init__(self, answer: dict) -> None:
        self.status_code = 200


def hook_client(monkeypatch, operation: str, handler: Callable[[dict], dict | None]) -> None:
    """Let `handler` see every `operation` request the tool's clients send (as botocore
    serialised it) and answer it, or return None to let moto answer."""
    real = aws_module.client

    def client(service, region, profile=None, notice=None):
        made = real(service, region, profile, notice)

        def answer(params, **_):
            response = handler(params["body"])
            return None if response is None else (_Answered(response), response)

        made.meta.events.register(f"before-call.cloudformation.{operation}", answer)
        return made

    monkeypatch.setattr(aws_module, "client", client)


def test_each_wave_sends_its_own_operation_preferences(fleet, monkeypatch):
    sent: list[dict] = []

    def record(body: dict) -> None:
        sent.append(body)

    hook_client(monkeypatch, "CreateStackInstances", record)
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    preferences = {
        body["StackSetName"]: {k: v for k, v in body.items() if k.startswith("OperationPref")}
        for body in sent
    }
    assert preferences["litellm-staging"] == {
        "OperationPreferences.MaxConcurrentCount": 1,
        "OperationPreferences.FailureToleranceCount": 0,
        "OperationPreferences.RegionConcurrencyType": "SEQUENTIAL",
        "OperationPreferences.ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
    }
    assert preferences["litellm"]["OperationPreferences.MaxConcurrentCount"] == 2
    assert preferences["litellm"]["OperationPreferences.FailureToleranceCount"] == 1


def test_a_failed_wave_stops_the_rollout_before_the_next_wave_and_any_removal(fleet, monkeypatch):
    polls = iter(["RUNNING", "FAILED"])
    reason = (
        "ResourceLogicalId:LedgerSecret, ResourceType:AWS::SecretsManager::Secret, Access denied"
    )

    def operation(body: dict) -> dict | None:
        if body["StackSetName"] != "litellm-staging":
            return None
        status = next(polls)
        described = {
            "OperationId": body["OperationId"],
            "StackSetId": "litellm-staging:1",
            "Action": "CREATE",
            "Status": status,
            "CreationTimestamp": NOW,
        }
        return {"StackSetOperation": described}

    def results(body: dict) -> dict | None:
        if body["StackSetName"] != "litellm-staging":
            return None
        failed = {"Status": "FAILED", "StatusReason": reason}
        return {"Summaries": [{"Account": A, "Region": REGION, **failed}]}

    hook_client(monkeypatch, "DescribeStackSetOperation", operation)
    hook_client(monkeypatch, "ListStackSetOperationResults", results)
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 1
    assert f"  litellm-staging create {A}/{REGION}: FAILED ({reason})" in result.output
    assert (
        "wave canary failed: litellm-staging: the create operation" in result.output
        and "The later waves did not start and nothing was removed" in result.output
    )
    assert "wave 2/2 rest:" not in result.output
    cfn = boto3.client("cloudformation", region_name=REGION)
    names = {s["StackSetName"] for s in cfn.list_stack_sets()["Summaries"]}
    assert names == {"litellm-staging"}  # the rest's stack set was never created


def test_an_operation_still_running_is_polled_until_it_ends(fleet, monkeypatch):
    seen = {"polls": 0}

    def operation(body: dict) -> dict | None:
        seen["polls"] += 1
        if seen["polls"] > 2:
            return None  # moto's SUCCEEDED
        described = {
            "OperationId": body["OperationId"],
            "StackSetId": f"{body['StackSetName']}:1",
            "Action": "CREATE",
            "Status": "RUNNING",
            "CreationTimestamp": NOW,
        }
        return {"StackSetOperation": described}

    hook_client(monkeypatch, "DescribeStackSetOperation", operation)
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    assert seen["polls"] >= 3


def test_status_detects_drift_on_every_instance_first(fleet, monkeypatch):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    started: list[str] = []

    def detect(body: dict) -> dict:
        started.append(body["StackSetName"])
        return {"OperationId": f"drift-{body['StackSetName']}"}

    def instances(body: dict) -> dict | None:
        if body["StackSetName"] != "litellm" or not started:
            return None
        summaries = [
            {
                "StackSetId": "litellm:1",
                "Region": region,
                "Account": account,
                "StackId": f"arn:aws:cloudformation:{region}:{account}:stack/StackSet-litellm-x/y",
                "Status": "CURRENT",
                "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"},
                "DriftStatus": "DRIFTED" if (account, region) == (A, REGION) else "IN_SYNC",
                "LastDriftCheckTimestamp": NOW,
            }
            for account in (A, "222222222222")
            for region in (REGION, "eu-west-1")
        ]
        return {"Summaries": summaries}

    def drift_operation(body: dict) -> dict | None:
        if not body["OperationId"].startswith("drift-"):
            return None
        described = {
            "OperationId": body["OperationId"],
            "StackSetId": f"{body['StackSetName']}:1",
            "Action": "DETECT_DRIFT",
            "Status": "SUCCEEDED",
            "CreationTimestamp": NOW,
        }
        return {"StackSetOperation": described}

    def drift_results(body: dict) -> dict | None:
        return {"Summaries": []} if body["OperationId"].startswith("drift-") else None

    hook_client(monkeypatch, "DetectStackSetDrift", detect)
    hook_client(monkeypatch, "DescribeStackSetOperation", drift_operation)
    hook_client(monkeypatch, "ListStackSetOperationResults", drift_results)
    hook_client(monkeypatch, "ListStackInstances", instances)
    result = run("status", str(fleet), "--detect-drift", "--output", "json")
    assert result.exit_code == 1
    assert started == ["litellm", "litellm-staging"]
    rows = {(r["stack_set"], r["target"], r["region"]): r for r in json.loads(result.stdout)}
    assert rows[("litellm", A, REGION)]["drift"] == "DRIFTED"
    assert not rows[("litellm", A, REGION)]["healthy"]
    assert rows[("litellm", A, "eu-west-1")]["healthy"]
