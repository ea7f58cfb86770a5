"""What SECURITY.md promises, checked on the templates of every platform the security tests
look at (tests/security/platforms.py), so the page and the templates cannot drift apart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.launch_actions import UNSCOPED
from litellm_cfn.compile.launch_role import LAUNCH_ROLE_FILE
from litellm_cfn.spec import PlatformSpec
from tests.conftest import REPO
from tests.security.documents import documents
from tests.security.platforms import EVERYTHING, every_spec, spec_from

SECURITY = (REPO / "SECURITY.md").read_text()


@dataclass(frozen=True)
class Platform:
    """One spec and its compiled templates, as plain dicts."""

    spec: PlatformSpec
    templates: dict[str, dict[str, Any]]

    def resources(self, resource_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(file, logical id, resource) of every resource of `resource_type`."""
        return [
            (file, name, resource)
            for file, template in self.templates.items()
            for name, resource in template.get("Resources", {}).items()
            if resource["Type"] == resource_type
        ]


def _platform(spec: PlatformSpec) -> Platform:
    compiled = compile_platform(spec)
    return Platform(spec, {f: t.to_dict() for f, t in compiled.files.items()})


PLATFORMS = [_platform(spec) for spec in every_spec()]
EVERY = pytest.mark.parametrize(
    "platform", PLATFORMS, ids=lambda p: f"{p.spec.stack_name}-{len(p.templates)}"
)


def refers_to_a_key_of(template: dict[str, Any], value: Any) -> bool:
    """Whether `value` is the ARN or id of a customer-managed key this template creates."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        name, attribute = value["Fn::GetAtt"]
        value = {"Ref": name} if attribute == "Arn" else None
    if not (isinstance(value, dict) and set(value) == {"Ref"}):
        return False
    return template["Resources"].get(value["Ref"], {}).get("Type") == "AWS::KMS::Key"


def retained(resource: dict[str, Any], policy: str = "Retain") -> bool:
    return resource.get("DeletionPolicy") == resource.get("UpdateReplacePolicy") == policy


@EVERY
def test_every_key_rotates_and_is_retained(platform: Platform):
    keys = platform.resources("AWS::KMS::Key")
    assert keys
    for _, _, key in keys:
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["Properties"]["PendingWindowInDays"] == 30
        assert retained(key)


@EVERY
def test_everything_that_holds_data_is_encrypted_with_a_platform_key_and_retained(
    platform: Platform,
):
    for resource_type in ("AWS::Logs::LogGroup", "AWS::SecretsManager::Secret"):
        for file, name, resource in platform.resources(resource_type):
            key = resource["Properties"].get("KmsKeyId")
            assert refers_to_a_key_of(platform.templates[file], key), f"{file}:{name}"
            assert retained(resource), f"{file}:{name}"
    for _, _, group in platform.resources("AWS::Logs::LogGroup"):
        assert group["Properties"]["RetentionInDays"] > 0


@EVERY
def test_the_database_is_private_encrypted_and_snapshotted(platform: Platform):
    [(file, _, database)] = platform.resources("AWS::RDS::DBInstance")
    props = database["Properties"]
    template = platform.templates[file]
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    if platform.spec.rds.restore_from_snapshot:
        # A restored instance keeps its snapshot's key (the old platform's, retained); the
        # template may not name one (AWS::RDS::DBInstance, DBSnapshotIdentifier).
        assert "KmsKeyId" not in props
        assert props["DBSnapshotIdentifier"] == platform.spec.rds.restore_from_snapshot
    else:
        assert refers_to_a_key_of(template, props["KmsKeyId"])
    assert refers_to_a_key_of(template, props["MasterUserSecret"]["KmsKeyId"])
    if props.get("EnablePerformanceInsights"):
        assert refers_to_a_key_of(template, props["PerformanceInsightsKMSKeyId"])
    assert props["ManageMasterUserPassword"] is True and "MasterUserPassword" not in props
    assert props["EnableIAMDatabaseAuthentication"] is True
    assert retained(database, "Snapshot")
    protected = platform.spec.rds.deletion_protection
    assert props["DeletionProtection"] is (
        protected if protected is not None else platform.spec.environment == "prod"
    )


@EVERY
def test_the_database_takes_postgres_only_from_the_private_subnets_and_sends_nothing(
    platform: Platform,
):
    [(_, _, group)] = [
        r for r in platform.resources("AWS::EC2::SecurityGroup") if r[1] == "DatabaseSecurityGroup"
    ]
    private = [s.cidr for s in platform.spec.vpc.subnet_plan.tier("private")]
    ingress = group["Properties"]["SecurityGroupIngress"]
    assert [(r["FromPort"], r["ToPort"], r["CidrIp"]) for r in ingress] == [
        (5432, 5432, str(cidr)) for cidr in private
    ]
    assert [r["CidrIp"] for r in group["Properties"]["SecurityGroupEgress"]] == ["127.0.0.1/32"]


@EVERY
def test_no_security_group_lets_the_internet_in(platform: Platform):
    rules = [
        rule
        for _, _, group in platform.resources("AWS::EC2::SecurityGroup")
        for rule in group["Properties"].get("SecurityGroupIngress", [])
    ] + [r["Properties"] for _, _, r in platform.resources("AWS::EC2::SecurityGroupIngress")]
    for rule in rules:
        assert rule.get("CidrIp") != "0.0.0.0/0" and rule.get("CidrIpv6") != "::/0"
    for _, name, group in platform.resources("AWS::EC2::SecurityGroup"):
        if name == "BastionSecurityGroup":
            assert "SecurityGroupIngress" not in group["Properties"]


@EVERY
def test_no_subnet_gives_instances_public_addresses(platform: Platform):
    subnets = platform.resources("AWS::EC2::Subnet")
    assert subnets
    for _, _, subnet in subnets:
        assert subnet["Properties"].get("MapPublicIpOnLaunch", False) is False


@EVERY
def test_the_cluster_encrypts_secrets_and_keeps_its_api_private_unless_asked(platform: Platform):
    [(file, _, cluster)] = platform.resources("AWS::EKS::Cluster")
    props = cluster["Properties"]
    [encryption] = props["EncryptionConfig"]
    assert encryption["Resources"] == ["secrets"]
    assert refers_to_a_key_of(platform.templates[file], encryption["Provider"]["KeyArn"])
    network = props["ResourcesVpcConfig"]
    assert network["EndpointPrivateAccess"] is True
    eks = platform.spec.eks
    assert network["EndpointPublicAccess"] is eks.endpoint_public_access
    if eks.endpoint_public_access:
        assert network["PublicAccessCidrs"] == list(eks.public_access_cidrs)
    logged = props["Logging"]["ClusterLogging"]["EnabledTypes"]
    assert {t["Type"] for t in logged} == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }


@EVERY
def test_every_instance_requires_imdsv2_and_encrypts_its_root_volume(platform: Platform):
    machines = [
        (file, name, r["Properties"]["LaunchTemplateData"], platform.spec.eks.imds_hop_limit)
        for file, name, r in platform.resources("AWS::EC2::LaunchTemplate")
    ] + [
        (file, name, r["Properties"], 1)
        for file, name, r in platform.resources("AWS::EC2::Instance")
    ]
    assert len(machines) >= len(platform.spec.eks.node_groups)
    for file, name, machine, hops in machines:
        assert machine["MetadataOptions"]["HttpTokens"] == "required", name
        assert machine["MetadataOptions"]["HttpPutResponseHopLimit"] == hops, name
        for device in machine["BlockDeviceMappings"]:
            assert device["Ebs"]["Encrypted"] is True, name
            assert refers_to_a_key_of(platform.templates[file], device["Ebs"]["KmsKeyId"]), name


# Actions AWS authorizes on no resource at all: a statement granting them must say
# `Resource: "*"` (Service Authorization Reference: no resource types).
TAKE_NO_RESOURCE = {f"{service}:{a}" for service, names in UNSCOPED.items() for a in names} | {
    "aws-marketplace:Subscribe",
    "aws-marketplace:ViewSubscriptions",
    "kms:CreateKey",
}


@EVERY
def test_no_policy_the_platform_writes_grants_every_action_or_every_resource(
    platform: Platform,
):
    for file, template in platform.templates.items():
        for document in documents(template, file):
            for statement in json.loads(document.text)["Statement"]:
                actions = _listed(statement.get("Action"))
                if document.kind == "key" and "kms:*" in actions:
                    # The default key policy's account statement, and only that.
                    assert statement["Sid"] == "AccountAdministersKeyThroughIam"
                    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
                    continue
                assert not any(a == "*" or a.endswith(":*") for a in actions), document.where
                if document.kind == "identity" and "*" in _listed(statement["Resource"]):
                    assert set(actions) <= TAKE_NO_RESOURCE, (document.where, statement)


def test_resource_star_beyond_the_reads_always_carries_a_condition():
    platform = _platform(spec_from(EVERYTHING))
    assert LAUNCH_ROLE_FILE in platform.templates
    starred = [
        statement
        for file, template in platform.templates.items()
        for document in documents(template, file)
        if document.kind == "identity"
        for statement in json.loads(document.text)["Statement"]
        if "*" in _listed(statement["Resource"])
        and statement["Sid"] != "ActionsThatTakeNoResourceScope"
    ]
    assert {s["Sid"] for s in starred} == {
        "SubscribeToModelsOnlyThroughBedrock",
        "CreateKeysWithThePlatformTag",
    }
    assert all(s.get("Condition") for s in starred)


@EVERY
def test_irsa_roles_trust_exactly_one_service_account_for_sts(platform: Platform):
    for file, template in platform.templates.items():
        for document in documents(template, file):
            for statement in json.loads(document.text)["Statement"]:
                if "Federated" not in statement.get("Principal", {}):
                    continue
                [(operator, conditions)] = statement["Condition"].items()
                assert operator == "StringEquals", document.where
                by_suffix = {key.rsplit(":", 1)[1]: value for key, value in conditions.items()}
                assert by_suffix["aud"] == "sts.amazonaws.com"
                assert re.fullmatch(
                    r"system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+", by_suffix["sub"]
                )


@EVERY
def test_no_secret_value_is_written_into_a_template(platform: Platform):
    for template in platform.templates.values():
        assert not any(p.get("NoEcho") for p in template.get("Parameters", {}).values())
    secrets = platform.resources("AWS::SecretsManager::Secret")
    assert len(secrets) == 4
    for _, name, secret in secrets:
        props = secret["Properties"]
        if name == "DbConnectionSecret":
            # Where to connect, never the password (RDS keeps that in its own secret).
            parts = json.loads(props["SecretString"]["Fn::Sub"][0].replace("${", "{"))
            assert set(parts) == {"host", "port", "dbname", "username", "sslmode"}
        else:
            assert "SecretString" not in props and "GenerateSecretString" in props


def test_security_md_lists_every_key_the_platform_creates():
    platform = _platform(spec_from(EVERYTHING))
    created = {
        (r["Properties"]["AliasName"].rsplit("/", 1)[1], file.removesuffix(".yaml"))
        for file, _, r in platform.resources("AWS::KMS::Alias")
    }
    listed = set(re.findall(r"^\| `([a-z-]+)` \| ([a-z]+) \|", SECURITY, re.M))
    assert listed == created


def test_every_checkov_skip_is_for_a_key_security_md_lists_as_loosening():
    loosening = SECURITY[SECURITY.index("## What a spec can loosen") :]
    listed = set(re.findall(r"^\| `([a-z_.]+)", loosening, re.M))
    skips = [
        skip["comment"]
        for platform in PLATFORMS
        for template in platform.templates.values()
        for resource in template["Resources"].values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "the loosened fixture draws skips"
    for comment in skips:
        assert comment.split(" ")[0] in listed, comment


def test_the_readme_links_security_md():
    assert "[SECURITY.md](SECURITY.md)" in (REPO / "README.md").read_text()


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
