"""The EKS stack's add-ons: EKS-managed, ordered around the nodes, their IRSA roles, and the
default StorageClass the EBS CSI driver makes."""

from __future__ import annotations

import json

from tests.nested_stacks.documents import irsa_document
from tests.nested_stacks.test_eks import SEED_POLICY, of_type, template_of


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
