"""The EKS stack: a native, encrypted, logged cluster with IRSA, node groups and add-ons."""

from __future__ import annotations

import json

import pytest

from litellm_cfn.compiler import ROOT_FILE, compile_platform
from litellm_cfn.spec import load_spec
from litellm_cfn.spec.kubernetes_versions import DEFAULT_VERSION
from nested_stacks import eks
from tests.conftest import REPO, spec_from
from tests.nested_stacks.documents import irsa_document
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


def test_each_node_group_has_its_own_launch_template_with_imdsv2_and_an_encrypted_gp3_root():
    spec = load_spec(REPO / "specs" / "multi-nodegroup.yaml").spec
    template = eks.build(spec).to_dict()
    groups = of_type(template, "AWS::EKS::Nodegroup")
    assert set(groups) == {"NodegroupGeneral", "NodegroupGpu"}
    gpu = groups["NodegroupGpu"]["Properties"]
    assert gpu["LaunchTemplate"] == {
        "Id": {"Ref": "LaunchTemplateGpu"},
        "Version": {"Fn::GetAtt": ["LaunchTemplateGpu", "LatestVersionNumber"]},
    }
    data = template["Resources"]["LaunchTemplateGpu"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {
        "HttpEndpoint": "enabled",
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 1,
    }
    assert data["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "VolumeType": "gp3",
                "VolumeSize": 200,
                "Encrypted": True,
                "KmsKeyId": {"Fn::GetAtt": ["NodeVolumeKey", "Arn"]},
                "DeleteOnTermination": True,
            },
        }
    ]
    assert gpu["InstanceTypes"] == ["g5.xlarge", "g5.2xlarge"]
    assert gpu["AmiType"] == "AL2023_x86_64_NVIDIA"
    assert gpu["CapacityType"] == "ON_DEMAND"
    assert gpu["ScalingConfig"] == {"MinSize": 0, "DesiredSize": 0, "MaxSize": 4}
    assert gpu["UpdateConfig"] == {"MaxUnavailable": 1}
    assert gpu["Labels"] == {"workload": "inference", "nvidia.com/gpu.present": "true"}
    assert gpu["Taints"] == [{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert gpu["Subnets"] == {"Ref": "PrivateSubnetIds"}
    assert "DiskSize" not in gpu, "the launch template owns the disk"
    general = groups["NodegroupGeneral"]["Properties"]
    assert "Taints" not in general
    assert general["AmiType"] == "AL2023_x86_64_STANDARD"


def test_the_imds_hop_limit_and_tags_reach_every_launch_template():
    template = template_of(
        "name: demo\ntags: {team: ml, Name: from-spec}\neks:\n  imds_hop_limit: 2\n"
        "  node_groups: {default: {}, gpu: {instance_types: [g5.xlarge]}}\n"
    )
    launch_templates = {
        name: r["Properties"]["LaunchTemplateData"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::EC2::LaunchTemplate"
    }
    assert set(launch_templates) == {"LaunchTemplateDefault", "LaunchTemplateGpu"}
    for name, data in launch_templates.items():
        group = name.removeprefix("LaunchTemplate").lower()
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
        assert {s["ResourceType"] for s in data["TagSpecifications"]} == {"instance", "volume"}
        for specification in data["TagSpecifications"]:
            # The group's own Name wins over the spec's Name tag, as on every resource.
            assert specification["Tags"] == [
                {"Key": "Name", "Value": f"demo-prod-{group}"},
                {"Key": "team", "Value": "ml"},
            ]


def test_the_node_role_has_only_what_the_kubelet_needs():
    role = template_of()["Resources"]["NodeRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": SEED_POLICY + "AmazonEKSWorkerNodePolicy"},
        {"Fn::Sub": SEED_POLICY + "AmazonEC2ContainerRegistryPullOnly"},
    ]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": ["sts:AssumeRole"],
    }


def test_node_volumes_use_a_key_only_auto_scaling_may_use_for_them():
    statements = template_of()["Resources"]["NodeVolumeKey"]["Properties"]["KeyPolicy"]["Statement"]
    autoscaling = {
        "AWS": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
            "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        }
    }
    assert [s["Sid"] for s in statements] == [
        "AccountAdministersKeyThroughIam",
        "AutoScalingEncryptsNodeVolumes",
        "AutoScalingLetsEc2AttachNodeVolumes",
    ]
    assert statements[1]["Principal"] == statements[2]["Principal"] == autoscaling
    assert statements[2]["Action"] == ["kms:CreateGrant"]
    assert statements[2]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_the_five_addons_are_eks_managed_and_ordered_around_the_nodes():
    template = template_of(
        "name: demo\neks:\n  addons:\n    coredns: {version: v1.11.3-eksbuild.2}\n"
        "  node_groups:\n    a: {}\n    b: {}\n"
    )
    addons = of_type(template, "AWS::EKS::Addon")
    assert {a["Properties"]["AddonName"] for a in addons.values()} == {
        "vpc-cni",
        "coredns",
        "kube-proxy",
        "eks-pod-identity-agent",
        "aws-ebs-csi-driver",
    }
    assert addons["CorednsAddon"]["Properties"]["AddonVersion"] == "v1.11.3-eksbuild.2"
    assert "AddonVersion" not in addons["KubeProxyAddon"]["Properties"]
    assert addons["CorednsAddon"]["DependsOn"] == ["NodegroupA", "NodegroupB"]
    assert addons["EbsCsiDriverAddon"]["DependsOn"] == ["NodegroupA", "NodegroupB"]
    groups = of_type(template, "AWS::EKS::Nodegroup")
    before_nodes = ["VpcCniAddon", "KubeProxyAddon", "PodIdentityAgentAddon"]
    # One group at a time: b waits for a, so an upgrade never rolls every node at once.
    assert groups["NodegroupA"]["DependsOn"] == before_nodes
    assert groups["NodegroupB"]["DependsOn"] == [*before_nodes, "NodegroupA"]


def test_node_groups_follow_the_cluster_version_within_their_max_unavailable():
    template = template_of(
        'name: demo\neks:\n  cluster_version: "1.35"\n'
        "  node_groups:\n    a: {max_unavailable: 2}\n    gpu: {instance_types: [gr6.4xlarge]}\n"
    )
    groups = of_type(template, "AWS::EKS::Nodegroup")
    assert {g["Properties"]["Version"] for g in groups.values()} == {"1.35"}
    assert groups["NodegroupA"]["Properties"]["UpdateConfig"] == {"MaxUnavailable": 2}
    # Versions come from the cluster only if the launch template names no AMI of its own.
    for launch in of_type(template, "AWS::EC2::LaunchTemplate").values():
        assert "ImageId" not in launch["Properties"]["LaunchTemplateData"]
    assert groups["NodegroupGpu"]["Properties"]["AmiType"] == "AL2023_x86_64_NVIDIA"


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


def test_the_default_storage_class_is_gp3_encrypted_with_a_key_only_the_driver_uses():
    template = template_of()
    addon = template["Resources"]["EbsCsiDriverAddon"]["Properties"]
    text, variables = addon["ConfigurationValues"]["Fn::Sub"]
    assert variables == {"VolumeKeyArn": {"Fn::GetAtt": ["PersistentVolumeKey", "Arn"]}}
    assert json.loads(text) == {
        "storageClasses": [
            {
                "name": "gp3",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                "volumeBindingMode": "WaitForFirstConsumer",
                "reclaimPolicy": "Retain",
                "allowVolumeExpansion": True,
                "parameters": {"type": "gp3", "encrypted": "true", "kmsKeyId": "${VolumeKeyArn}"},
            }
        ]
    }
    key = template["Resources"]["PersistentVolumeKey"]
    assert key["DeletionPolicy"] == "Retain"
    users = key["Properties"]["KeyPolicy"]["Statement"][1:]
    assert {json.dumps(s["Principal"]) for s in users} == {
        json.dumps({"AWS": {"Fn::GetAtt": ["EbsCsiDriverRole", "Arn"]}})
    }
    assert users[1]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    off = template_of("name: demo\neks: {default_storage_class: {enabled: false}}\n")
    assert "ConfigurationValues" not in off["Resources"]["EbsCsiDriverAddon"]["Properties"]
    assert "PersistentVolumeKey" not in off["Resources"]


def test_the_ebs_csi_driver_role_trusts_exactly_its_controller_service_account():
    template = template_of()
    addon = template["Resources"]["EbsCsiDriverAddon"]["Properties"]
    assert addon["ServiceAccountRoleArn"] == {"Fn::GetAtt": ["EbsCsiDriverRole", "Arn"]}
    role = template["Resources"]["EbsCsiDriverRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": SEED_POLICY + "service-role/AmazonEBSCSIDriverPolicy"}
    ]
    text, variables = role["AssumeRolePolicyDocument"]["Fn::Sub"]
    assert json.loads(text) == irsa_document("kube-system:ebs-csi-controller-sa")
    assert variables == {
        "OidcProviderArn": {"Ref": "OidcProvider"},
        "OidcIssuer": template["Outputs"]["EksOidcIssuer"]["Value"],
    }


def test_the_vpc_cni_gets_its_permissions_through_its_own_role_not_the_nodes():
    template = template_of()
    role = template["Resources"]["VpcCniRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [{"Fn::Sub": SEED_POLICY + "AmazonEKS_CNI_Policy"}]
    trust = json.loads(role["AssumeRolePolicyDocument"]["Fn::Sub"][0])
    assert trust == irsa_document("kube-system:aws-node")
    assert "Policies" not in role


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
