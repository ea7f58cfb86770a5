"""Names a fleet's stack instances must not share: what templates name, and where they collide."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.fleet.names import (
    ACCOUNT,
    NOT_NAMES,
    PARTITION,
    REGION,
    SCOPES,
    Placement,
    collisions,
    named_resources,
)
from litellm_cfn.spec import PlatformSpec, load_spec, validate_data
from litellm_cfn.spec.source import SourceMap, load
from tests.conftest import REPO, SPECS

A, B = "111111111111", "222222222222"
OU = "ou-ab12-34cd56ef"
EAST, WEST = "us-east-1", "us-west-2"
Templates = dict[str, dict[str, Any]]


def templates_of(spec: PlatformSpec) -> Templates:
    """What the fleet would deploy for a spec: the root and its nested stacks, as dicts."""
    return {file: t.to_dict() for file, t in compile_platform(spec).templates.items()}


def overlaid(data: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`data` with `overlay`'s keys written over it, mappings merged key by key."""
    merged = dict(data)
    for key, value in overlay.items():
        both = isinstance(value, dict) and isinstance(data.get(key), dict)
        merged[key] = overlaid(data[key], value) if both else value
    return merged


@pytest.fixture(scope="module")
def platform_data() -> dict[str, Any]:
    """specs/platform.yaml as parsed, for overlays."""
    data, _ = load(REPO / "specs" / "platform.yaml")
    return data


@pytest.fixture(scope="module")
def prod(platform_data) -> Templates:
    """The production platform's templates."""
    return templates_of(validate_data(platform_data, SourceMap("platform.yaml")))


def variant(data: dict[str, Any], overlay: dict[str, Any]) -> Templates:
    """The templates of platform.yaml with a target's overlay."""
    return templates_of(validate_data(overlaid(data, overlay), SourceMap("x.yaml")))


def place(target, templates, accounts=(A,), ous=(), regions=(EAST,), stack_set=None) -> Placement:
    """A target deploying `templates` (by default to account A in us-east-1)."""
    return Placement(target, templates, tuple(accounts), tuple(ous), tuple(regions), stack_set)


def one(resource_type: str, prop: str, value: Any, logical_id: str = "Named") -> Templates:
    """A template with one resource naming itself `value`."""
    resource = {"Type": resource_type, "Properties": {prop: value}}
    return {"stack.yaml": {"Resources": {logical_id: resource}}}


def names_in(found) -> list[str]:
    """The names (between backquotes) the collisions' messages give first."""
    return [re.search(r"`([^`]*)`", c.message)[1] for c in found]


# What the templates name


def test_named_resources_give_each_name_written_its_scope(prod):
    named = {(n.file, n.logical_id): n for n in named_resources(prod)}
    cluster = named["eks.yaml", "Cluster"]
    assert (cluster.property, cluster.name, cluster.scope) == ("Name", "litellm-eks", REGION)
    assert named["rds.yaml", "Database"].name == "litellm-prod-postgres"
    assert named["secrets.yaml", "LitellmMasterKeySecret"].name == "litellm/prod/litellm/master-key"
    assert all(n.known and not n.per_region for k, n in named.items() if k[0] != "eks.yaml")
    # Our roles are unnamed: CloudFormation names them after the stack, never twice.
    assert not [n for n in named.values() if n.resource_type == "AWS::IAM::Role"]


def test_the_oidc_provider_is_named_by_its_clusters_issuer_so_once_per_instance(prod):
    (provider,) = [n for n in named_resources(prod) if n.resource_type == "AWS::IAM::OIDCProvider"]
    assert (provider.scope, provider.name) == (ACCOUNT, "${Cluster.OpenIdConnectIssuerUrl}")
    assert provider.per_instance and not provider.known


def test_the_bastions_instance_profile_is_account_wide_but_named_per_region():
    named = named_resources(templates_of(load_spec(REPO / "specs" / "dev.yaml").spec))
    (profile,) = [n for n in named if n.resource_type == "AWS::IAM::InstanceProfile"]
    assert (profile.name, profile.scope) == ("litellm-dev-bastion-${AWS::Region}", ACCOUNT)
    assert profile.per_region and profile.known


SUB_WITH_MAP = {"Fn::Sub": ["x-${R}-${Env}", {"R": {"Ref": "AWS::Region"}}]}


@pytest.mark.parametrize(
    ("value", "name", "per_region", "known"),
    [
        (SUB_WITH_MAP, "x-${AWS::Region}-${Env}", True, False),
        ({"Fn::Join": ["-", ["x", {"Ref": "AWS::Region"}]]}, "x-${AWS::Region}", True, True),
        ({"Fn::GetAtt": ["Other", "Name"]}, "${Other.Name}", False, False),
        ({"Fn::If": ["Prod", "a", "b"]}, "${Fn::If}", False, False),
    ],
)
def test_names_are_rendered_with_their_references_kept(value, name, per_region, known):
    (named,) = named_resources(one("AWS::IAM::Role", "RoleName", value))
    assert (named.name, named.per_region, named.known) == (name, per_region, known)


def test_a_name_of_no_value_is_no_name():
    assert named_resources(one("AWS::IAM::Role", "RoleName", {"Ref": "AWS::NoValue"})) == []


def test_every_name_in_the_scope_table_is_a_create_only_property_of_its_resource():
    for resource_type, prop in SCOPES:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
        assert f"/properties/{prop}" in schema["createOnlyProperties"], resource_type
    assert not set(SCOPES) & set(NOT_NAMES)


# The completeness guard: a property named like a name (…Name, …Identifier, …Id, …Url) whose
# value the template writes out (a literal, Fn::Sub or Fn::Join) or takes from a parameter is
# a name in the scope table or declared not to be one. Refs and GetAtts to the template's own
# resources point at names checked where those resources are made.
NAME_LIKE = re.compile(r"(Name|Identifier|Id|ID|Url|URL)$")


def unclassified(template: dict[str, Any]) -> set[tuple[str, str]]:
    """Name-like properties a template writes that are neither in SCOPES nor NOT_NAMES."""
    parameters = template.get("Parameters") or {}

    def written(value: Any) -> bool:
        if isinstance(value, str):
            return True
        if not isinstance(value, dict) or len(value) != 1:
            return False
        ((function, argument),) = value.items()
        return function in ("Fn::Sub", "Fn::Join") or (function == "Ref" and argument in parameters)

    return (
        {
            (resource["Type"], prop)
            for resource in template["Resources"].values()
            for prop, value in (resource.get("Properties") or {}).items()
            if NAME_LIKE.search(prop) and written(value)
        }
        - set(SCOPES)
        - set(NOT_NAMES)
    )


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_name_our_templates_write_is_classified(path):
    files = compile_platform(load_spec(path).spec).files
    assert {file: unclassified(t.to_dict()) for file, t in files.items()} == {
        file: set() for file in files
    }


def test_the_guard_fails_on_a_new_named_resource_until_it_is_classified():
    template = one("AWS::SNS::Topic", "TopicName", {"Fn::Sub": "litellm-${AWS::Region}"})
    template["stack.yaml"]["Parameters"] = {"ClusterName": {"Type": "String"}}
    template["stack.yaml"]["Resources"]["Entry"] = {
        "Type": "AWS::EKS::PodIdentityAssociation",
        "Properties": {"ClusterName": {"Ref": "ClusterName"}, "RoleArn": "arn"},
    }
    assert unclassified(template["stack.yaml"]) == {
        ("AWS::SNS::Topic", "TopicName"),
        ("AWS::EKS::PodIdentityAssociation", "ClusterName"),
    }


# The real platform as a fleet


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_a_spec_in_two_regions_of_two_accounts_claims_no_name_twice(path):
    templates = templates_of(load_spec(path).spec)
    assert collisions([place("prod", templates, (A, B), regions=(EAST, WEST))]) == []


def test_two_variants_in_one_account_and_region_collide_on_every_regional_name(platform_data, prod):
    canary = variant(platform_data, {"rds": {"instance_class": "db.t3.large"}})
    found = collisions([place("prod", prod), place("canary", canary)])
    assert {c.targets for c in found} == {("prod", "canary")}
    assert {
        "litellm-eks",
        "litellm-prod-postgres",
        "litellm/prod/litellm/master-key",
        "litellm/prod/litellm/db-connection",
        "/aws/eks/litellm-eks/cluster",
        "/aws/rds/instance/litellm-prod-postgres/postgresql",
        "alias/litellm/prod/rds",
    } <= set(names_in(found))
    assert len(found) == len(named_resources(prod)) - 1  # all but the OIDC provider
    cluster = next(c.message for c in found if "`litellm-eks`" in c.message)
    assert "prod eks.yaml/Cluster and canary eks.yaml/Cluster" in cluster
    assert f"account {A} {EAST}" in cluster and "overlay `eks.cluster_name`" in cluster
    database = next(c.message for c in found if "`litellm-prod-postgres`" in c.message)
    assert database.endswith("overlay `environment` in one target")


def test_a_staging_variant_with_its_own_cluster_name_shares_an_account_and_region(
    platform_data, prod
):
    staging = variant(
        platform_data, {"environment": "staging", "eks": {"cluster_name": "litellm-staging-eks"}}
    )
    assert collisions([place("prod", prod), place("staging", staging)]) == []


def test_changing_only_the_environment_leaves_the_default_cluster_name_shared(platform_data, prod):
    # The default cluster name is `<name>-eks`: it does not follow the environment.
    staging = variant(platform_data, {"environment": "staging"})
    found = collisions([place("prod", prod), place("staging", staging)])
    assert names_in(found) == ["litellm-eks", "/aws/eks/litellm-eks/cluster"]
    assert all(c.message.endswith("overlay `eks.cluster_name` in one target") for c in found)


def test_variants_in_different_accounts_or_regions_share_no_name(platform_data, prod):
    canary = variant(platform_data, {"rds": {"instance_class": "db.t3.large"}})
    assert collisions([place("prod", prod), place("canary", canary, accounts=(B,))]) == []
    assert collisions([place("prod", prod), place("canary", canary, regions=(WEST,))]) == []


# Account-wide names


def test_an_iam_name_in_two_regions_of_one_account_collides():
    role = one("AWS::IAM::Role", "RoleName", "litellm-node")
    (found,) = collisions([place("prod", role, regions=(EAST, WEST))])
    assert found.targets == ("prod",)
    assert found.message == (
        "AWS::IAM::Role RoleName `litellm-node` must be unique per account, but two stack "
        f"instances of prod stack.yaml/Named would both claim it in account {A} {EAST} and "
        f"{WEST}: put ${{AWS::Region}} in the name in its nested stack"
    )


def test_an_iam_name_with_the_region_in_it_does_not():
    role = one("AWS::IAM::Role", "RoleName", {"Fn::Sub": "litellm-node-${AWS::Region}"})
    assert collisions([place("prod", role, (A, B), regions=(EAST, WEST))]) == []


def test_iam_names_that_differ_only_in_case_are_one_name():
    lower = one("AWS::IAM::Role", "RoleName", "litellm-node")
    upper = one("AWS::IAM::Role", "RoleName", "LiteLLM-Node")
    found = collisions([place("prod", lower), place("canary", upper, regions=(WEST,))])
    assert [c.targets for c in found] == [("prod", "canary")]


def test_a_name_from_a_parameter_cannot_be_proven_unique():
    role = one("AWS::IAM::Role", "RoleName", {"Ref": "RoleName"})
    (found,) = collisions([place("prod", role, regions=(EAST, WEST))])
    assert "`${RoleName}` (not known before deploy, so not proven unique)" in found.message


def test_a_name_with_the_stack_name_is_unique_per_stack_instance():
    role = one("AWS::IAM::Role", "RoleName", {"Fn::Sub": "${AWS::StackName}-node"})
    fleet = [place(t, role, (A, B), (OU,), (EAST, WEST)) for t in ("prod", "canary")]
    assert collisions(fleet) == []


# Targets of one stack set


def test_targets_of_one_stack_set_in_one_account_and_region_are_one_instance():
    secret = one("AWS::SecretsManager::Secret", "Name", "litellm/key")
    fleet = [place(t, secret, regions=(EAST, WEST), stack_set="base") for t in ("us", "all")]
    assert collisions(fleet) == []
    (found,) = collisions([replace(fleet[0], stack_set=None), fleet[1]])
    assert found.message.endswith("overlay `environment` in one target")


def test_targets_of_one_stack_set_share_its_account_wide_names_across_regions():
    role = one("AWS::IAM::Role", "RoleName", "litellm-node")
    fleet = [
        place("us", role, stack_set="base"),
        place("eu", role, regions=(WEST,), stack_set="base"),
    ]
    (found,) = collisions(fleet)
    assert found.targets == ("us", "eu")
    assert "us stack.yaml/Named and eu stack.yaml/Named would both claim it" in found.message
    assert found.message.endswith("put ${AWS::Region} in the name in its nested stack")


# Organizational units


def test_an_ou_target_may_share_an_account_with_an_account_target_in_its_region():
    secret = one("AWS::SecretsManager::Secret", "Name", "litellm/key")
    (found,) = collisions([place("prod", secret), place("canary", secret, (), (OU,))])
    assert found.targets == ("prod", "canary")
    assert f"account {A} {EAST} and OU {OU} {EAST} (may share accounts)" in found.message


def test_an_ou_target_in_another_region_shares_no_regional_name():
    secret = one("AWS::SecretsManager::Secret", "Name", "litellm/key")
    assert collisions([place("prod", secret), place("canary", secret, (), (OU,), (WEST,))]) == []


def test_an_ou_target_holds_several_accounts_so_a_bucket_name_needs_the_account_id():
    bucket = one("AWS::S3::Bucket", "BucketName", "litellm-artifacts")
    (found,) = collisions([place("prod", bucket, (), (OU,))])
    assert f"OU {OU} {EAST} (an OU may hold several accounts)" in found.message
    assert found.message.endswith("put ${AWS::AccountId} in the name in its nested stack")


# Partition-wide names


def test_a_bucket_name_in_two_accounts_collides():
    bucket = one("AWS::S3::Bucket", "BucketName", "litellm-artifacts")
    assert [n.scope for n in named_resources(bucket)] == [PARTITION]
    (found,) = collisions([place("prod", bucket, (A, B))])
    assert f"account {A} {EAST} and account {B} {EAST}" in found.message


def test_a_bucket_name_in_two_regions_of_one_account_collides():
    bucket = one("AWS::S3::Bucket", "BucketName", {"Fn::Sub": "litellm-${AWS::AccountId}"})
    (found,) = collisions([place("prod", bucket, regions=(EAST, WEST))])
    assert found.message.endswith("put ${AWS::Region} in the name in its nested stack")


def test_a_bucket_name_with_the_account_and_region_is_unique():
    name = {"Fn::Sub": "litellm-${AWS::AccountId}-${AWS::Region}"}
    bucket = one("AWS::S3::Bucket", "BucketName", name)
    assert collisions([place("prod", bucket, (A, B), (OU,), (EAST, WEST))]) == []


def test_partitions_share_no_bucket_name():
    bucket = one("AWS::S3::Bucket", "BucketName", "litellm-artifacts")
    assert (
        collisions([place("prod", bucket), place("china", bucket, (B,), (), ("cn-north-1",))]) == []
    )


# The report


def test_one_collision_per_name_and_pair_of_targets_in_a_stable_order():
    secret = one("AWS::SecretsManager::Secret", "Name", "litellm/key")
    fleet = [place(t, secret, regions=(EAST, WEST)) for t in ("a", "b", "c")]
    found = collisions(fleet)
    assert [c.targets for c in found] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert f"account {A} {EAST}; account {A} {WEST}" in found[0].message
    assert collisions(fleet) == found
