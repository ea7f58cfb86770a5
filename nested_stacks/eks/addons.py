"""The EKS add-ons, EKS-managed, two of them with IRSA roles of their own; the EBS CSI driver
also makes the default, encrypted StorageClass."""

from __future__ import annotations

import json
from dataclasses import dataclass

from awacs import kms as kms_actions
from awacs.aws import Principal
from troposphere import GetAtt, Ref, Sub, Template, eks, iam, kms

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.eks import AddonName
from nested_stacks.eks.cluster import Cluster
from nested_stacks.encryption import customer_managed_key, volume_key_users
from nested_stacks.policies import aws_managed_policy, irsa_trust, role


@dataclass(frozen=True)
class IrsaRole:
    """The Kubernetes service account an add-on runs as, and the AWS policy it needs."""

    service_account: str
    managed_policy: str


@dataclass(frozen=True)
class AddonPlan:
    """One add-on: its name, logical id, whether it needs running nodes, its IRSA role."""

    name: AddonName
    logical_id: str
    needs_nodes: bool
    irsa: IrsaRole | None = None


ADDONS = (
    AddonPlan(
        "vpc-cni", "VpcCniAddon", False, IrsaRole("kube-system/aws-node", "AmazonEKS_CNI_Policy")
    ),
    AddonPlan("kube-proxy", "KubeProxyAddon", False),
    AddonPlan("eks-pod-identity-agent", "PodIdentityAgentAddon", False),
    AddonPlan("coredns", "CorednsAddon", True),
    AddonPlan(
        "aws-ebs-csi-driver",
        "EbsCsiDriverAddon",
        True,
        IrsaRole("kube-system/ebs-csi-controller-sa", "service-role/AmazonEBSCSIDriverPolicy"),
    ),
)


def add_addons(
    template: Template, spec: PlatformSpec, cluster: Cluster
) -> tuple[list[eks.Addon], list[eks.Addon]]:
    """Add every add-on: (DaemonSets nodes need to become ready, Deployments that need nodes).

    The first list must exist before node groups (nodes need the CNI to become ready); the
    second only becomes healthy once nodes run, so it is created after them.
    """
    before_nodes: list[eks.Addon] = []
    after_nodes: list[eks.Addon] = []
    for plan in ADDONS:
        props: dict[str, object] = {
            "AddonName": plan.name,
            "ClusterName": Ref(cluster.resource),
            # EKS's configuration wins over hand edits made with kubectl.
            "ResolveConflicts": "OVERWRITE",
        }
        settings = spec.eks.addons.get(plan.name)
        if settings is not None and settings.version is not None:
            props["AddonVersion"] = settings.version
        if plan.irsa is not None:
            irsa_role = template.add_resource(
                role(
                    spec,
                    f"{plan.logical_id.removesuffix('Addon')}Role",
                    f"the {plan.name} add-on's IRSA role ({plan.irsa.service_account})",
                    irsa_trust(
                        cluster.oidc_provider_arn, cluster.oidc_issuer, plan.irsa.service_account
                    ),
                    managed_policy_arns=[aws_managed_policy(plan.irsa.managed_policy)],
                )
            )
            props["ServiceAccountRoleArn"] = GetAtt(irsa_role, "Arn")
            if plan.name == "aws-ebs-csi-driver" and spec.eks.default_storage_class.enabled:
                props["ConfigurationValues"] = _default_storage_class(template, spec, irsa_role)
        addon = template.add_resource(eks.Addon(plan.logical_id, **props))
        (after_nodes if plan.needs_nodes else before_nodes).append(addon)
    return before_nodes, after_nodes


def _default_storage_class(template: Template, spec: PlatformSpec, driver_role: iam.Role) -> Sub:
    """The add-on's configuration: one gp3 StorageClass, encrypted with a key of its own that
    only the driver may use, marked default.

    Since Kubernetes 1.30 EKS marks no StorageClass default, so a claim that names none stays
    Pending (EKS User Guide, 1.30 release notes). The add-on's `defaultStorageClass` switch
    makes an unencrypted class; its `storageClasses` list (the aws-ebs-csi-driver chart's
    values.schema.json, which the add-on's configuration schema follows; check with
    `aws eks describe-addon-configuration --addon-name aws-ebs-csi-driver`) takes the
    encryption parameters. WaitForFirstConsumer creates each volume in its pod's zone.
    """
    settings = spec.eks.default_storage_class
    key = _persistent_volume_key(template, spec, driver_role)
    storage_class = {
        "name": settings.name,
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": settings.reclaim_policy,
        "allowVolumeExpansion": True,
        "parameters": {"type": "gp3", "encrypted": "true", "kmsKeyId": "${VolumeKeyArn}"},
    }
    text = json.dumps({"storageClasses": [storage_class]}, sort_keys=True)
    return Sub(text, VolumeKeyArn=GetAtt(key, "Arn"))


def _persistent_volume_key(
    template: Template, spec: PlatformSpec, driver_role: iam.Role
) -> kms.Key:
    """The key of persistent volumes: the EBS CSI driver encrypts with it and lets EC2 attach
    the volumes through grants (EKS User Guide, "Amazon EBS CSI driver", KMS permissions)."""
    return customer_managed_key(
        template,
        spec,
        "PersistentVolumeKey",
        alias="eks-persistent-volumes",
        purpose="EBS volumes of Kubernetes persistent volume claims",
        users=volume_key_users(
            Principal("AWS", GetAtt(driver_role, "Arn")),
            "EbsCsiDriver",
            "Volumes",
            [kms_actions.CreateGrant, kms_actions.ListGrants, kms_actions.RevokeGrant],
        ),
    )
