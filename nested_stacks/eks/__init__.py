"""EKS stack: the seed's `eks` module, natively (no custom resources, no registry types).

The cluster with envelope-encrypted secrets and all control-plane logs, access entries for
its admins, the OIDC provider for IRSA, one managed node group per spec entry (each with its
own launch template: IMDSv2, encrypted gp3 root volume) and the core add-ons, the VPC CNI
and EBS CSI driver with their own IRSA roles. Takes only the VPC and its private subnets
from the VPC stack, so it is created in parallel with everything else that needs only the VPC.
"""

from __future__ import annotations

from troposphere import Ref, Template

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import network_parameters, new_template
from nested_stacks.eks.addons import add_addons
from nested_stacks.eks.cluster import add_cluster
from nested_stacks.eks.nodes import add_node_groups
from nested_stacks.wiring import PRIVATE_SUBNET_IDS

NAME = "eks"


def enabled(spec: PlatformSpec) -> bool:
    """The cluster is always built: LiteLLM runs on it."""
    return True


def build(spec: PlatformSpec) -> Template:
    """The EKS stack's template."""
    template = new_template(spec, "EKS cluster, node groups, OIDC provider and add-ons")
    vpc_id, subnets = network_parameters(
        template,
        PRIVATE_SUBNET_IDS,
        "Private subnets for the control plane's network interfaces and nodes.",
    )
    cluster = add_cluster(template, spec, Ref(vpc_id), Ref(subnets))
    before_nodes, after_nodes = add_addons(template, spec, cluster)
    node_groups = add_node_groups(template, spec, cluster, Ref(subnets), before_nodes)
    for addon in after_nodes:
        addon.DependsOn = [group.title for group in node_groups]
    return template
