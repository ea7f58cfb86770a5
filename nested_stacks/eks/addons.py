"""The EKS add-ons, EKS-managed, two of them with IRSA roles of their own."""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Ref, Template, eks

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.eks import AddonName
from nested_stacks.eks.cluster import Cluster
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
        addon = template.add_resource(eks.Addon(plan.logical_id, **props))
        (after_nodes if plan.needs_nodes else before_nodes).append(addon)
    return before_nodes, after_nodes
