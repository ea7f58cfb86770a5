"""Whether the target accounts may read the fleet's templates: `unreadable_by` on bucket
policies as `litellm-cfn bootstrap` writes them and as people write them by hand, and
`check_bucket_access` reading the policy back from the local moto server."""

from __future__ import annotations

import json

import boto3
import pytest

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.fleet.bucket_access import check_bucket_access, unreadable_by
from litellm_cfn.fleet.load import load_fleet
from tests.aws import REGION, answer_first
from tests.fleet.moto_fleet import BUCKET, A, B

OWN = "123456789012"  # the administration account: moto's
C = "333333333333"
ORG = "o-a1b2c3d4e5"
OBJECTS = f"arn:aws:s3:::{BUCKET}/*"
FIX = f"litellm-cfn bootstrap --region {REGION} --trust-account {A} --trust-account {B}"


def allow(principal, action="s3:GetObject", resource=OBJECTS, **more) -> dict:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    } | more


def deny(principal, action="s3:GetObject", resource=OBJECTS, **more) -> dict:
    return allow(principal, action, resource, **more) | {"Effect": "Deny"}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def self_managed(document, accounts=(A, B)) -> list[str]:
    return unreadable_by(document, BUCKET, accounts, None, OWN)


def service_managed(document, organization=ORG) -> list[str]:
    return unreadable_by(document, BUCKET, (), organization, OWN)


def test_the_policy_bootstrap_writes_lets_every_trusted_account_read(bootstrap_policy):
    assert self_managed(bootstrap_policy(BUCKET, (A, B))) == []
    assert self_managed(bootstrap_policy(BUCKET, (A, B, C), ORG)) == []


def test_an_account_bootstrap_was_not_told_of_cannot_read(bootstrap_policy):
    assert self_managed(bootstrap_policy(BUCKET, (A,)), (B, A, C)) == [B, C]


def test_without_a_policy_no_other_account_can_read_but_the_administrator_needs_none():
    assert self_managed(None, (B, A, OWN)) == [A, B]
    assert self_managed(policy(), (OWN,)) == []


def test_an_organization_grant_is_not_enough_for_a_self_managed_fleets_accounts(
    bootstrap_policy,
):
    assert self_managed(bootstrap_policy(BUCKET, (), ORG)) == [A, B]


def test_a_service_managed_fleet_needs_its_own_organization_granted(bootstrap_policy):
    assert service_managed(bootstrap_policy(BUCKET, (), ORG)) == []
    assert service_managed(bootstrap_policy(BUCKET, (A, B), "o-zzzzzzzzzz")) == [
        f"organization {ORG}"
    ]
    assert service_managed(bootstrap_policy(BUCKET, (A, B))) == [f"organization {ORG}"]
    assert service_managed(None) == [f"organization {ORG}"]


@pytest.mark.parametrize(
    "statement",
    [
        allow({"AWS": A}),
        allow(A),
        allow({"AWS": [f"arn:aws:iam::{A}:root"]}, ["s3:PutObject", "s3:GetObject"]),
        allow({"AWS": f"arn:aws:iam::{A}:root"}, "s3:Get*"),
        allow({"AWS": A}, "S3:GETOBJECT"),
        allow({"AWS": A}, "s3:*", f"arn:*:s3:::{BUCKET}/*"),
        allow({"AWS": A}, "*", "arn:aws:s3:::*"),
        allow({"AWS": A}, ["s3:Get?bject"], ["*"]),
        allow({"AWS": A}, resource=f"arn:aws:s3:::{BUCKET[:5]}*"),
        allow("*"),  # public: bootstrap never writes it, but it lets anyone read
        allow({"AWS": "*"}, "s3:*", "*"),
    ],
    ids=lambda statement: json.dumps(statement)[:80],
)
def test_an_allow_of_every_object_to_the_account_lets_it_read(statement):
    assert self_managed(policy(statement), (A,)) == []


@pytest.mark.parametrize(
    "statement",
    [
        allow({"AWS": A}, "s3:PutObject"),
        allow({"AWS": A}, "s3:GetObjectAcl"),
        allow({"AWS": A}, "s3:List*"),
        allow({"AWS": A}, resource=f"arn:aws:s3:::{BUCKET}"),
        allow({"AWS": A}, resource=f"arn:aws:s3:::{BUCKET}/templates/*"),
        allow({"AWS": A}, resource=f"arn:aws:s3:::{BUCKET}/?"),
        allow({"AWS": A}, resource="arn:aws:s3:::other-bucket/*"),
        allow({"AWS": B}),
        allow({"AWS": f"arn:aws:iam::{A}:role/Deployer"}),
        allow({"Service": "cloudformation.amazonaws.com"}),
        allow({"AWS": A}, Condition={"Bool": {"aws:SecureTransport": "true"}}),
        allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        {"Effect": "Allow", "Principal": {"AWS": A}, "NotAction": "s3:Put*", "Resource": "*"},
        {"Effect": "Allow", "NotPrincipal": {"AWS": B}, "Action": "*", "Resource": "*"},
    ],
    ids=lambda statement: json.dumps(statement)[:80],
)
def test_an_allow_of_something_else_or_to_someone_else_does_not(statement):
    assert self_managed(policy(statement), (A,)) == [A]


def test_the_organization_grant_counts_only_with_its_own_condition():
    granted = allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": [ORG]}})
    assert service_managed(policy(granted)) == []
    also_vpc = {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:SourceVpc": "vpc-1"}}
    assert service_managed(policy(allow("*", Condition=also_vpc))) == [f"organization {ORG}"]
    like = {"StringLike": {"aws:PrincipalOrgID": "o-*"}}
    assert service_managed(policy(allow("*", Condition=like))) == [f"organization {ORG}"]


def test_a_deny_of_the_read_makes_the_accounts_it_names_unreadable(bootstrap_policy):
    granted = bootstrap_policy(BUCKET, (A, B), ORG)
    refused = deny({"AWS": f"arn:aws:iam::{B}:root"})
    assert self_managed(granted | {"Statement": [*granted["Statement"], refused]}) == [B]
    everyone = deny("*", "s3:Get*", f"arn:aws:s3:::{BUCKET}/private/*")
    assert self_managed(policy(*granted["Statement"], everyone)) == [A, B]
    assert service_managed(policy(*granted["Statement"], everyone)) == [f"organization {ORG}"]


def test_a_deny_refuses_whatever_its_condition_but_the_tls_only_one(bootstrap_policy):
    granted = bootstrap_policy(BUCKET, (A, B))["Statement"]
    vpc_only = {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}
    assert self_managed(policy(*granted, deny("*", Condition=vpc_only))) == [A, B]
    tls_only = {"Bool": {"aws:SecureTransport": False}}
    assert self_managed(policy(*granted, deny("*", "s3:*", "*", Condition=tls_only))) == []


def test_a_deny_that_misses_the_read_or_the_account_refuses_nothing(bootstrap_policy):
    granted = bootstrap_policy(BUCKET, (A, B))["Statement"]
    misses = [
        deny("*", "s3:PutObject"),
        deny("*", resource=f"arn:aws:s3:::{BUCKET}"),
        deny({"AWS": C}),
        {"Effect": "Deny", "NotPrincipal": {"AWS": [A, B]}, "Action": "*", "Resource": "*"},
    ]
    assert self_managed(policy(*granted, *misses)) == []
    but_a = {"Effect": "Deny", "NotPrincipal": {"AWS": A}, "Action": "*", "Resource": "*"}
    assert self_managed(policy(*granted, but_a)) == [B]


def test_a_lone_statement_counts_and_what_is_not_a_statement_grants_nothing():
    assert self_managed({"Statement": allow({"AWS": [A, B]})}) == []
    assert self_managed({"Statement": ["*", 7, None]}) == [A, B]


def test_the_partition_is_the_buckets():
    china = policy(allow({"AWS": f"arn:aws-cn:iam::{A}:root"}, resource="arn:aws-cn:s3:::b/*"))
    assert unreadable_by(china, "b", (A,), None, OWN, partition="aws-cn") == []
    assert unreadable_by(china, "b", (A,), None, OWN) == [A]


def put_policy(document: dict | None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    if document is None:
        s3.delete_bucket_policy(Bucket=BUCKET)
    else:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(document))


def checked(fleet_file) -> list[str]:
    """Check the bucket (as GetBucketPolicy answers) for the fleet; the warnings given."""
    warnings: list[str] = []
    s3 = aws_module.client("s3", REGION)  # looked up now: answer_first replaces it
    check_bucket_access(s3, BUCKET, load_fleet(fleet_file), OWN, warnings.append)
    return warnings


def test_a_bucket_both_accounts_may_read_passes(fleet):
    assert checked(fleet) == []


def test_a_bucket_one_account_may_not_read_is_refused_with_the_command_that_grants_it(
    fleet, bootstrap_policy
):
    put_policy(bootstrap_policy(BUCKET, (A,)))
    with pytest.raises(LitellmCfnError) as refused:
        checked(fleet)
    message = str(refused.value)
    assert refused.value.exit_code == 1
    assert message.startswith(
        f"the artifacts bucket {BUCKET} does not let account {B} read the templates "
        f"(s3:GetObject on {OBJECTS}): every stack instance there would fail"
    )
    assert f"Run `{FIX}` first" in message


def test_the_command_keeps_every_reader_granted_now(fleet, bootstrap_policy):
    put_policy(bootstrap_policy(BUCKET, (A, C), ORG))
    with pytest.raises(LitellmCfnError, match=f"does not let account {B} read") as refused:
        checked(fleet)
    assert f"Run `{FIX} --trust-account {C} --trust-organization {ORG}` first" in str(refused.value)


def test_a_bucket_without_a_policy_is_refused_naming_every_account(fleet):
    put_policy(None)
    with pytest.raises(LitellmCfnError, match=f"does not let accounts {A}, {B} read") as refused:
        checked(fleet)
    assert f"Run `{FIX}` first" in str(refused.value)


def test_a_service_managed_fleets_organization_must_be_granted(fleet, bootstrap_policy):
    fleet.write_text(
        f"spec: platform.yaml\norganization: {{id: {ORG}}}\ntargets:\n"
        "  all: {organizational_units: [ou-ab12-abcd1234], regions: [us-east-1]}\n"
    )
    with pytest.raises(LitellmCfnError, match=f"does not let organization {ORG} read") as refused:
        checked(fleet)
    assert f"Run `{FIX} --trust-organization {ORG}` first" in str(refused.value)
    put_policy(bootstrap_policy(BUCKET, (), ORG))
    assert checked(fleet) == []


def test_a_policy_that_cannot_be_read_is_a_warning_and_no_refusal(fleet, monkeypatch):
    put_policy(None)  # unread: no grant, which would be refused had it been read
    denied = {
        "Error": {"Code": "AccessDenied", "Message": "Access Denied"},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }
    answer_first(monkeypatch, "s3.GetBucketPolicy", [denied])
    (warning,) = checked(fleet)
    assert warning.startswith(
        "warning: cannot check that every target account may read the templates in "
        f"s3://{BUCKET}: An error occurred (AccessDenied) when calling the GetBucketPolicy "
        "operation: Access Denied"
    )
