"""Text a person reads: the validate summary and the subnet plan as the seed's table."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import get_args

from litellm_cfn.spec import LoadedSpec, PlatformSpec
from litellm_cfn.spec.eks import AddonName
from litellm_cfn.spec.network import SubnetPlan
from litellm_cfn.text import columns

_PURPOSE = {
    "public": "NAT gateways, load balancers",
    "private": "EKS worker nodes, pods",
    "database": "RDS instances",
}


def summary(spec: PlatformSpec) -> str:
    """One line saying what the spec describes."""
    groups = len(spec.eks.node_groups)
    plural = "s" if groups != 1 else ""
    return (
        f"platform {spec.stack_name} in {spec.region}: EKS {spec.cluster_name} "
        f"(Kubernetes {spec.eks.cluster_version}, {groups} node group{plural}), "
        f"RDS {spec.rds.instance_class}{' Multi-AZ' if spec.rds.multi_az else ''}, "
        f"bastion {'on' if spec.bastion.enabled else 'off'}"
    )


def subnet_table(spec: PlatformSpec) -> str:
    """The subnet plan: type, AZ, CIDR, usable IPs (size - 5) and purpose, then address use."""
    plan = spec.vpc.subnet_plan
    zones = spec.vpc.availability_zones
    header = ("Subnet Type", "AZ", "CIDR Block", "IPs Available", "Purpose")
    rows = [
        (
            s.tier.capitalize(),
            zones[s.az_index] if zones else str(s.az_index + 1),
            str(s.cidr),
            f"{s.usable:,}",
            _PURPOSE[s.tier],
        )
        for s in plan.subnets
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    rule = tuple("-" * width for width in widths)
    title = f"Subnet plan for VPC {plan.vpc} across {spec.vpc.az_count} availability zones"
    table = [title, "", *columns([header, rule, *rows], right={3})]
    return "\n".join([*table, "", *_address_use(plan)])


def _address_use(plan: SubnetPlan) -> list[str]:
    start = plan.vpc.network_address
    last = IPv4Address(int(start) + plan.needed - 1)
    gaps = plan.needed - plan.allocated
    used = (
        f"Address space used: {start} - {last} ({plan.needed:,} IPs in {len(plan.subnets)} subnets"
    )
    used += f", {gaps:,} of them alignment gaps)" if gaps else ")"
    lines = [used]
    free = plan.vpc.num_addresses - plan.needed
    if free:
        lines.append(
            f"Address space available: {last + 1} - {plan.vpc.broadcast_address} "
            f"({free:,} IPs for future expansion)"
        )
    return lines


def addon_versions(loaded: LoadedSpec, spec_path: Path) -> str:
    """Where the EKS add-on versions come from: the spec, its lock, or EKS at creation."""
    if loaded.lock is not None:
        return (
            f"Add-on versions: pinned, from {loaded.lock.name} "
            f"(Kubernetes {loaded.spec.eks.cluster_version})"
        )
    addons = loaded.spec.eks.addons
    if all(name in addons and addons[name].version for name in get_args(AddonName)):
        return "Add-on versions: pinned in the spec"
    return (
        "Add-on versions: EKS's defaults when each add-on is created; raising "
        "eks.cluster_version will not move them. Pin them with "
        f"`litellm-cfn lock {spec_path}` (a lock file beside the spec)"
    )
