"""Setting the stack policies all or nothing, and termination protection only when it is off.

moto answers SetStackPolicy only with success, so a failure midway (one stack's policy
already lifted, the next call refused or interrupted) is played back through botocore's
Stubber, or an event handler, on a real CloudFormation client, with responses shaped like
the AWS API reference's.
"""

from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.guard import (
    Guarded,
    PoliciesLeftOpen,
    protect_from_deletion,
    set_policies,
    stateful_ids,
)
from litellm_cfn.deploy.stack_state import stack_policy
from litellm_cfn.spec import load_spec
from tests.conftest import REPO

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
ROOT = "litellm-prod"
ROOT_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/0a1b"
NESTED = {
    logical: f"arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod-{logical}-9Z/{n}"
    for n, logical in enumerate(("VpcStack", "EksStack", "RdsStack", "CacheStack", "SecretsStack"))
}
RDS = NESTED["RdsStack"]
EKS = NESTED["EksStack"]
DENIED = (
    "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
    "cloudformation:SetStackPolicy on resource: " + ROOT_ID
)


@pytest.fixture(scope="module")
def guarded() -> Guarded:
    """What the stack policies of the whole platform (specs/platform.yaml) guard."""
    return stateful_ids(compile_platform(load_spec(REPO / "specs" / "platform.yaml").spec))


def cloudformation():
    return boto3.client("cloudformation", region_name="us-east-1")


def nested_stacks() -> dict:
    """ListStackResources of the root as AWS answers it: one nested stack per module."""
    return {
        "StackResourceSummaries": [
            {
                "LogicalResourceId": logical,
                "PhysicalResourceId": physical,
                "ResourceType": "AWS::CloudFormation::Stack",
                "LastUpdatedTimestamp": NOW,
                "ResourceStatus": "UPDATE_COMPLETE",
                "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
            }
            for logical, physical in NESTED.items()
        ]
    }


def policy_set(stubber: Stubber, stack: str, ids: list[str]) -> None:
    stubber.add_response(
        "set_stack_policy", {}, {"StackName": stack, "StackPolicyBody": stack_policy(ids)}
    )


def policy_refused(stubber: Stubber, stack: str, ids: list[str], code: str, status: int) -> None:
    stubber.add_client_error(
        "set_stack_policy",
        code,
        DENIED if code == "AccessDenied" else "Service Unavailable",
        status,
        expected_params={"StackName": stack, "StackPolicyBody": stack_policy(ids)},
    )


def stubbed_guard_until_the_root(
    stubber: Stubber, guarded: Guarded, lifted: dict[str, list[str]]
) -> None:
    """Every nested stack's policy set as `set_policies` sets it, in order, `lifted` ones
    without the ids named; then the root's is refused."""
    stubber.add_response("list_stack_resources", nested_stacks(), {"StackName": ROOT})
    for logical, ids in guarded.nested.items():
        policy_set(stubber, NESTED[logical], [i for i in ids if i not in lifted.get(logical, [])])
    policy_refused(stubber, ROOT, guarded.root, "AccessDenied", 403)


def test_the_whole_platform_guards_its_data_in_each_nested_stack(guarded):
    assert guarded.root == ["CacheStack", "EksStack", "RdsStack", "SecretsStack", "VpcStack"]
    assert guarded.nested["RdsStack"] == [
        "DatabaseKey",
        "DatabaseLogsKey",
        "DatabasePostgresqlLogGroup",
        "DatabaseUpgradeLogGroup",
        "Database",
        "DbConnectionSecret",
    ]
    names = guarded.names(ROOT)
    assert names["Database"] == "RdsStack/Database"
    assert names["RdsStack/Database"] == "RdsStack/Database"
    assert names["litellm-prod/RdsStack/Database"] == "RdsStack/Database"
    assert names["litellm-prod/RdsStack"] == "RdsStack"


def test_a_policy_refused_after_one_was_lifted_sets_the_strict_one_back(guarded):
    client = cloudformation()
    with Stubber(client) as stubber:
        stubbed_guard_until_the_root(stubber, guarded, {"RdsStack": ["Database"]})
        # The RDS stack's policy, lifted for Database, is strict again: every id denied.
        policy_set(stubber, RDS, guarded.nested["RdsStack"])
        with pytest.raises(ClientError) as caught:
            set_policies(client, ROOT, guarded, ["Database"])
        stubber.assert_no_pending_responses()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert caught.value.operation_name == "SetStackPolicy"


def test_a_policy_refused_with_nothing_lifted_sets_nothing_back(guarded):
    client = cloudformation()
    with Stubber(client) as stubber:
        stubbed_guard_until_the_root(stubber, guarded, {})
        with pytest.raises(ClientError) as caught:
            set_policies(client, ROOT, guarded, [])
        stubber.assert_no_pending_responses()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_policies_that_cannot_be_set_strict_again_are_named(guarded):
    client = cloudformation()
    lifted = {"EksStack": ["Cluster"], "RdsStack": ["Database"]}
    with Stubber(client) as stubber:
        stubbed_guard_until_the_root(stubber, guarded, lifted)
        # Set back newest first: the RDS stack's fails, the EKS stack's succeeds.
        policy_refused(stubber, RDS, guarded.nested["RdsStack"], "ServiceUnavailable", 503)
        policy_set(stubber, EKS, guarded.nested["EksStack"])
        with pytest.raises(PoliciesLeftOpen) as caught:
            set_policies(client, ROOT, guarded, ["litellm-prod/EksStack/Cluster", "Database"])
        stubber.assert_no_pending_responses()
    assert caught.value.stacks == [RDS]
    assert str(caught.value) == (
        "setting the stack policies failed (An error occurred (AccessDenied) when calling the "
        f"SetStackPolicy operation: {DENIED}), and the strict policy could not be set again on "
        f"{RDS}: their stateful resources may be replaced"
    )
    assert isinstance(caught.value.__cause__, ClientError)
    assert caught.value.__cause__.response["Error"]["Code"] == "AccessDenied"


class _Answered:
    status_code = 200


def test_ctrl_c_after_a_policy_was_lifted_sets_the_strict_one_back(guarded):
    client = cloudformation()
    policies: list[tuple[str, str]] = []

    def list_resources(**_):
        return _Answered(), nested_stacks()

    def set_policy(params, **_):
        body = params["body"]  # the request as botocore serialised it (query protocol)
        policies.append((body["StackName"], body["StackPolicyBody"]))
        if len(policies) == 4:  # the Cache stack's, after the RDS stack's was lifted
            raise KeyboardInterrupt
        return _Answered(), {}

    client.meta.events.register("before-call.cloudformation.ListStackResources", list_resources)
    client.meta.events.register("before-call.cloudformation.SetStackPolicy", set_policy)
    with pytest.raises(KeyboardInterrupt):
        set_policies(client, ROOT, guarded, ["RdsStack/Database"])
    nested = guarded.nested
    assert policies == [
        (NESTED["VpcStack"], stack_policy(nested["VpcStack"])),
        (EKS, stack_policy(nested["EksStack"])),
        (RDS, stack_policy([i for i in nested["RdsStack"] if i != "Database"])),
        (NESTED["CacheStack"], stack_policy(nested["CacheStack"])),
        (RDS, stack_policy(nested["RdsStack"])),
    ]


def described(protected: bool) -> dict:
    return {
        "Stacks": [
            {
                "StackName": ROOT,
                "StackId": ROOT_ID,
                "CreationTime": NOW,
                "StackStatus": "CREATE_COMPLETE",
                "EnableTerminationProtection": protected,
            }
        ]
    }


def test_termination_protection_is_turned_on_when_it_is_off():
    client = cloudformation()
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", described(False), {"StackName": ROOT})
        stubber.add_response(
            "update_termination_protection",
            {"StackId": ROOT_ID},
            {"StackName": ROOT, "EnableTerminationProtection": True},
        )
        assert protect_from_deletion(client, ROOT) is True
        stubber.assert_no_pending_responses()


def test_termination_protection_already_on_is_left_alone():
    client = cloudformation()
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", described(True), {"StackName": ROOT})
        assert protect_from_deletion(client, ROOT) is False
        stubber.assert_no_pending_responses()
