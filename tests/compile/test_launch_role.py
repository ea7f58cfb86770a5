"""The Service Catalog launch role's template: built with the platform, scoped to it."""

from __future__ import annotations

from typing import Any

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.launch_actions import TYPE_ACTIONS, UNSCOPED
from litellm_cfn.compile.launch_role import (
    LAUNCH_ROLE_FILE,
    MANAGED_POLICY_LIMIT,
    document_size,
    policy_size,
)
from litellm_cfn.compile.tagging import PLATFORM_TAG
from tests.conftest import problems_of, spec_from

CATALOG = """\
name: demo
bastion: {enabled: true}
iam: {role_path: /litellm/, permissions_boundary_arn: 'arn:aws:iam::123456789012:policy/Boundary'}
catalog: {share_with: ['210987654321']}
"""
TAGGED = {"StringEquals": {f"aws:ResourceTag/{PLATFORM_TAG}": "demo-prod"}}


def launch_role(text: str = CATALOG) -> dict[str, Any]:
    return compile_platform(spec_from(text)).companions[LAUNCH_ROLE_FILE].to_dict()


def statements(text: str = CATALOG) -> list[dict[str, Any]]:
    resources = launch_role(text)["Resources"]
    return [
        statement
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def by_sid(text: str = CATALOG) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements(text)}


def actions(text: str = CATALOG) -> set[str]:
    return {a for s in statements(text) if s["Effect"] == "Allow" for a in s["Action"]}


def test_build_writes_the_launch_role_only_when_the_spec_publishes_with_its_own():
    assert LAUNCH_ROLE_FILE not in compile_platform(spec_from("name: demo\n")).companions
    existing = "name: demo\ncatalog: {launch_role: 'arn:aws:iam::123456789012:role/Launch'}\n"
    assert compile_platform(spec_from(existing)).companions == {}
    assert LAUNCH_ROLE_FILE not in compile_platform(spec_from(CATALOG)).templates


def test_the_role_is_named_per_region_and_found_by_that_name():
    template = launch_role()
    role = template["Resources"]["ProductLaunchRole"]["Properties"]
    assert role["RoleName"] == {"Fn::Sub": "demo-prod-launch-${AWS::Region}"}
    assert role["Path"] == "/litellm/"
    assert role["PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/Boundary"
    assert template["Outputs"]["LaunchRoleName"]["Value"] == {"Ref": "ProductLaunchRole"}
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "servicecatalog.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    ]


def test_the_launch_role_does_not_carry_the_platform_tag():
    role = launch_role("name: demo\ntags: {team: ml}\ncatalog: {}\n")["Resources"]
    tags = role["ProductLaunchRole"]["Properties"]["Tags"]
    assert tags == [{"Key": "team", "Value": "ml"}]


def test_every_policy_fits_iams_managed_policy_limit_and_the_role_takes_them_all():
    template = launch_role()
    policies = [r for r in template["Resources"].values() if r["Type"].endswith("ManagedPolicy")]
    assert 1 < len(policies) <= 10
    sizes = [document_size(p["Properties"]["PolicyDocument"]) for p in policies]
    assert all(size <= MANAGED_POLICY_LIMIT for size in sizes), sizes
    # Split because together they would not fit even a role's inline policies (10,240).
    assert sum(sizes) > 10_240
    role = template["Resources"]["ProductLaunchRole"]["Properties"]
    assert len(role["ManagedPolicyArns"]) == len(policies)
    assert "Policies" not in role


def test_the_size_counts_substituted_values_at_their_longest():
    from awacs.aws import Action, Allow, Statement
    from troposphere import Sub

    short = Statement(Effect=Allow, Action=[Action("s3", "GetObject")], Resource=["x"])
    long = Statement(
        Effect=Allow,
        Action=[Action("s3", "GetObject")],
        Resource=[Sub("${AWS::Region}")],
    )
    assert policy_size([long]) - policy_size([short]) == len("ap-southeast-2") - 1
    assert MANAGED_POLICY_LIMIT == 6_144


def test_actions_follow_the_templates_resource_types():
    assert "ec2:RunInstances" in actions()
    assert "ssm:GetParameters" in actions()
    without_bastion = actions("name: demo\ncatalog: {}\n")
    assert "ec2:RunInstances" not in without_bastion
    assert "ssm:GetParameters" not in without_bastion
    assert "iam:CreateInstanceProfile" not in without_bastion
    assert "rds:CreateDBInstance" in without_bastion


def test_nothing_the_platform_retains_can_be_deleted_by_the_launch_role():
    granted = actions()
    for kept in ("kms:ScheduleKeyDeletion", "logs:DeleteLogGroup", "secretsmanager:DeleteSecret"):
        assert kept not in granted
    assert "rds:DeleteDBInstance" in granted  # snapshotted, not retained
    assert "ec2:TerminateInstances" in granted


def test_destructive_actions_reach_only_the_platforms_resources():
    named = by_sid()
    assert named["DestroyEc2ResourcesOfThePlatformOnly"]["Condition"] == TAGGED
    assert "ec2:TerminateInstances" in named["DestroyEc2ResourcesOfThePlatformOnly"]["Action"]
    assert named["ManageThePlatformsKeysOnly"]["Condition"] == TAGGED
    assert "kms:PutKeyPolicy" in named["ManageThePlatformsKeysOnly"]["Action"]
    assert named["DeleteThePlatformsDatabaseOnly"]["Resource"][0] == {
        "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:"
        "db:demo-prod-postgres"
    }
    eks = named["ManageEksResourcesTheTemplatesName"]
    assert "eks:DeleteCluster" in eks["Action"]
    assert all("/demo-eks" in r["Fn::Sub"] for r in eks["Resource"])
    logs = named["ManageLogsResourcesTheTemplatesName"]
    assert {r["Fn::Sub"].split("log-group:")[1] for r in logs["Resource"]} >= {
        "/aws/eks/demo-eks/cluster",
        "/aws/eks/demo-eks/cluster:*",
    }


def test_iam_writes_reach_only_roles_carrying_the_platform_tag():
    named = by_sid()
    create = named["CreateRolesOnlyWithThePlatformTag"]
    assert create["Condition"] == {
        "StringEquals": {f"aws:RequestTag/{PLATFORM_TAG}": "demo-prod"},
        "ArnEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary"},
    }
    change = named["ChangeThePlatformsRolesOnly"]
    assert {"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:TagRole"} <= set(change["Action"])
    assert change["Condition"] == {"StringEquals": {f"aws:ResourceTag/{PLATFORM_TAG}": "demo-prod"}}
    passing = named["PassThePlatformsRolesToItsServicesOnly"]
    assert passing["Action"] == ["iam:PassRole"]
    assert passing["Condition"] == {
        "StringEquals": {
            "iam:PassedToService": [
                "ec2.amazonaws.com",
                "eks.amazonaws.com",
                "monitoring.rds.amazonaws.com",
                "rds.amazonaws.com",
                "vpc-flow-logs.amazonaws.com",
            ],
            f"aws:ResourceTag/{PLATFORM_TAG}": "demo-prod",
        }
    }
    profiles = named["ManageTheInstanceProfilesTheTemplatesName"]["Resource"]
    assert profiles == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/litellm/"
            "demo-prod-bastion-${AWS::Region}"
        }
    ]


def test_the_role_denies_itself_every_iam_write():
    deny = by_sid()["NeverChangeThisRole"]
    assert deny["Effect"] == "Deny"
    assert {"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"} <= set(
        deny["Action"]
    )
    assert deny["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/litellm/"
            "demo-prod-launch-${AWS::Region}"
        }
    ]


def test_the_role_may_use_the_platforms_keys_and_the_rds_managed_secret():
    named = by_sid()
    use = named["EncryptWithThePlatformsKeysOnly"]
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= set(use["Action"])
    assert use["Condition"] == TAGGED
    grants = named["GrantAwsServicesThePlatformsKeysOnly"]
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    rds_secret = named["LetRdsCreateItsMasterUserSecret"]
    assert rds_secret["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
            "secret:rds!*"
        }
    ]


def test_only_actions_that_take_no_resource_have_resource_star():
    unscoped = {f"{service}:{a}" for service, names in UNSCOPED.items() for a in names}
    for statement in statements():
        assert not any(a.endswith("*") for a in statement["Action"]), statement["Sid"]
        if statement["Resource"] == ["*"]:
            assert "Condition" in statement or set(statement["Action"]) <= unscoped, statement


def test_every_resource_type_of_every_stack_has_its_actions():
    text = "name: demo\nbastion: {enabled: true}\ncatalog: {}\n"
    compiled = compile_platform(spec_from(text))
    types = {r.resource_type for t in compiled.templates.values() for r in t.resources.values()}
    assert types <= set(TYPE_ACTIONS)


@pytest.mark.parametrize(
    ("name", "environment"), [("a-rather-long-platform-name-for", "production-west")]
)
def test_a_platform_whose_launch_role_name_cannot_fit_is_refused(name: str, environment: str):
    text = f"name: {name}\nenvironment: {environment}\ncatalog: {{}}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("platform.yaml:3:1: catalog: the launch role's name"), problem
    assert "over IAM's 64" in problem
    existing = text.replace("{}", "{launch_role: 'arn:aws:iam::123456789012:role/L'}")
    assert spec_from(existing).catalog is not None
