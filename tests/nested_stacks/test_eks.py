"""The EKS stack: a native, encrypted, logged cluster with IRSA, node groups and add-ons."""

from __future__ import annotations

import pytest

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.spec.kubernetes_versions import DEFAULT_VERSION
from nested_stacks import eks
from tests.conftest import spec_from
from tests.security.platforms import every_spec

SEED_POLICY = "arn:${AWS::Partition}:iam::aws:policy/"


def template_of(text: str = "name: demo\n") -> dict:
    return eks.build(spec_from(text)).to_dict()


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def cluster_props(text: str = "name: demo\n") -> dict:
    return template_of(text)["Resources"]["Cluster"]["Properties"]


def test_the_cluster_runs_the_specs_version_in_the_private_subnets_only():
    props = cluster_props()
    assert props["Name"] == "demo-eks"
    assert props["Version"] == DEFAULT_VERSION == "1.36"
    assert props["UpgradePolicy"] == {"SupportType": "STANDARD"}
    assert props["ResourcesVpcConfig"] == {
        "SubnetIds": {"Ref": "PrivateSubnetIds"},
        "SecurityGroupIds": [{"Ref": "ControlPlaneSecurityGroup"}],
        "EndpointPrivateAccess": True,
        "EndpointPublicAccess": False,
    }
    assert props["BootstrapSelfManagedAddons"] is False
    named = cluster_props(
        'name: demo\neks: {cluster_name: blue, cluster_version: "1.33", support_type: EXTENDED}\n'
    )
    assert (named["Name"], named["Version"]) == ("blue", "1.33")
    assert named["UpgradePolicy"] == {"SupportType": "EXTENDED"}


def test_the_public_endpoint_is_opened_only_to_the_listed_cidrs():
    props = cluster_props(
        "name: demo\neks:\n  endpoint_public_access: true\n"
        "  public_access_cidrs: [203.0.113.0/24, 198.51.100.7/32]\n"
    )
    assert props["ResourcesVpcConfig"]["EndpointPublicAccess"] is True
    assert props["ResourcesVpcConfig"]["PublicAccessCidrs"] == ["203.0.113.0/24", "198.51.100.7/32"]


def test_the_cluster_role_has_only_the_cluster_policy_and_trusts_only_this_cluster():
    role = template_of()["Resources"]["ClusterRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [{"Fn::Sub": SEED_POLICY + "AmazonEKSClusterPolicy"}]
    assert "Policies" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:"
                "cluster/demo-eks"
            }
        },
    }


def test_secrets_are_envelope_encrypted_with_a_rotating_key_only_the_cluster_role_uses():
    template = template_of()
    assert cluster_props()["EncryptionConfig"] == [
        {"Provider": {"KeyArn": {"Fn::GetAtt": ["SecretsKey", "Arn"]}}, "Resources": ["secrets"]}
    ]
    key = template["Resources"]["SecretsKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert [s["Sid"] for s in statements] == [
        "AccountAdministersKeyThroughIam",
        "ClusterRoleEnvelopeEncryptsSecrets",
    ]
    assert statements[1]["Principal"] == {"AWS": {"Fn::GetAtt": ["ClusterRole", "Arn"]}}
    assert statements[1]["Action"] == [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:ListGrants",
    ]


def test_all_control_plane_logs_go_to_the_log_group_eks_writes_to():
    template = template_of("name: demo\neks: {log_retention_days: 365}\n")
    logging = template["Resources"]["Cluster"]["Properties"]["Logging"]["ClusterLogging"]
    assert [t["Type"] for t in logging["EnabledTypes"]] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    group = template["Resources"]["ControlPlaneLogGroup"]
    assert group["Properties"]["LogGroupName"] == "/aws/eks/demo-eks/cluster"
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["ControlPlaneLogGroupKey", "Arn"]}
    assert template["Resources"]["Cluster"]["DependsOn"] == ["ControlPlaneLogGroup"]


def test_deletion_protection_is_on_in_prod_off_elsewhere_and_overridable():
    assert cluster_props()["DeletionProtection"] is True
    assert cluster_props("name: demo\nenvironment: dev\n")["DeletionProtection"] is False
    assert (
        cluster_props("name: demo\neks: {deletion_protection: false}\n")["DeletionProtection"]
        is False
    )
    assert (
        cluster_props("name: demo\nenvironment: dev\neks: {deletion_protection: true}\n")[
            "DeletionProtection"
        ]
        is True
    )


def test_access_entries_make_each_listed_principal_a_cluster_admin():
    text = (
        "name: demo\neks:\n  authentication_mode: API\n  cluster_creator_admin: false\n"
        "  admin_principal_arns:\n    - arn:aws:iam::123456789012:role/Admin\n"
        "    - arn:aws:iam::123456789012:user/ops\n"
    )
    template = template_of(text)
    assert template["Resources"]["Cluster"]["Properties"]["AccessConfig"] == {
        "AuthenticationMode": "API",
        "BootstrapClusterCreatorAdminPermissions": False,
    }
    entries = of_type(template, "AWS::EKS::AccessEntry")
    assert sorted(e["Properties"]["PrincipalArn"] for e in entries.values()) == [
        "arn:aws:iam::123456789012:role/Admin",
        "arn:aws:iam::123456789012:user/ops",
    ]
    for entry in entries.values():
        assert entry["Properties"]["AccessPolicies"] == [
            {
                "PolicyArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/"
                    "AmazonEKSClusterAdminPolicy"
                },
                "AccessScope": {"Type": "cluster"},
            }
        ]
    reordered = text.replace("role/Admin", "TMP").replace("user/ops", "role/Admin")
    reordered = reordered.replace("TMP", "user/ops")
    assert set(of_type(template_of(reordered), "AWS::EKS::AccessEntry")) == set(entries)


def test_the_creator_is_admin_by_default_like_eks():
    assert cluster_props()["AccessConfig"] == {
        "AuthenticationMode": "API_AND_CONFIG_MAP",
        "BootstrapClusterCreatorAdminPermissions": True,
    }


def test_the_oidc_provider_serves_sts_and_the_issuer_is_output_without_https():
    template = template_of()
    assert template["Resources"]["OidcProvider"]["Properties"] == {
        "Url": {"Fn::GetAtt": ["Cluster", "OpenIdConnectIssuerUrl"]},
        "ClientIdList": ["sts.amazonaws.com"],
    }
    assert template["Outputs"]["EksOidcProviderArn"]["Value"] == {"Ref": "OidcProvider"}
    assert template["Outputs"]["EksOidcIssuer"]["Value"] == {
        "Fn::Select": [
            1,
            {"Fn::Split": ["https://", {"Fn::GetAtt": ["Cluster", "OpenIdConnectIssuerUrl"]}]},
        ]
    }


def test_the_api_admits_admin_networks_on_443_through_its_own_group():
    template = template_of("name: demo\neks: {private_access_cidrs: [10.100.0.0/16]}\n")
    group = template["Resources"]["ControlPlaneSecurityGroup"]["Properties"]
    assert group["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIp": "10.100.0.0/16",
            "Description": "Kubernetes API from admin network 10.100.0.0/16",
        }
    ]
    assert group["VpcId"] == {"Ref": "VpcId"}
    assert [r["CidrIp"] for r in group["SecurityGroupEgress"]] == ["127.0.0.1/32"]
    assert template["Outputs"]["EksControlPlaneSecurityGroupId"]["Value"] == {
        "Ref": "ControlPlaneSecurityGroup"
    }
    closed = template_of()["Resources"]["ControlPlaneSecurityGroup"]["Properties"]
    assert closed["SecurityGroupIngress"] == []


def test_outputs_give_what_kubectl_irsa_and_later_stacks_need():
    assert set(template_of()["Outputs"]) == {
        "EksClusterName",
        "EksClusterArn",
        "EksClusterEndpoint",
        "EksClusterCertificateAuthorityData",
        "EksClusterSecurityGroupId",
        "EksControlPlaneSecurityGroupId",
        "EksOidcProviderArn",
        "EksOidcIssuer",
        "EksSecretsKeyArn",
        "EksNodeRoleArn",
    }


@pytest.mark.parametrize("spec", every_spec(), ids=lambda s: s.stack_name)
def test_every_platform_uses_no_custom_resources_or_lambda_functions(spec):
    for template in compile_platform(spec).templates.values():
        for resource in template.to_dict()["Resources"].values():
            assert not resource["Type"].startswith("Custom::")
            assert resource["Type"] not in (
                "AWS::Lambda::Function",
                "AWS::CloudFormation::CustomResource",
            )
            assert "::" in resource["Type"] and resource["Type"].split("::")[0] == "AWS"


def test_the_eks_stack_takes_only_the_vpc_and_its_private_subnets_from_the_vpc_stack():
    root = compile_platform(spec_from("name: demo\n")).templates[ROOT_FILE].to_dict()
    assert root["Resources"]["EksStack"]["Properties"]["Parameters"] == {
        "VpcId": {"Fn::GetAtt": ["VpcStack", "Outputs.VpcId"]},
        "PrivateSubnetIds": {"Fn::GetAtt": ["VpcStack", "Outputs.PrivateSubnetIds"]},
    }
    assert "DependsOn" not in root["Resources"]["EksStack"]
