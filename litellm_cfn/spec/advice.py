"""Warnings about valid specs that are probably not what the user wants; they never fail a build."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from ipaddress import IPv4Network

from litellm_cfn.errors import Problem, in_file_order
from litellm_cfn.spec import PlatformSpec, kubernetes_versions
from litellm_cfn.spec.source import SourceMap

# Pods per node under the VPC CNI without prefix delegation (ENIs x (IPs per ENI - 1) + 2) for
# current Nitro sizes; unknown sizes fall back to kubelet's default ceiling of 110.
_PODS_BY_SIZE = {
    "nano": 4, "micro": 4, "small": 11, "medium": 17, "large": 29, "xlarge": 58, "2xlarge": 58,
    "4xlarge": 234, "8xlarge": 234, "9xlarge": 234, "12xlarge": 234, "16xlarge": 737,
    "18xlarge": 737, "24xlarge": 737, "32xlarge": 737, "48xlarge": 737, "metal": 737,
}  # fmt: skip
_DEFAULT_PODS = 110
# Private (RFC 1918) or shared (RFC 6598, carrier-grade NAT) address space: never routed on
# the internet, so a VPC there shadows no public address its workloads may need to reach.
_PRIVATE_RANGES = tuple(
    IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def pods_per_node(instance_type: str) -> int:
    """Estimated pod IPs one node of `instance_type` takes from its subnet."""
    return _PODS_BY_SIZE.get(instance_type.split(".", 1)[1], _DEFAULT_PODS)


def node_addresses_needed(spec: PlatformSpec) -> int:
    """Addresses every node group needs at max_size: a node IP plus its pods' IPs."""
    return sum(
        group.max_size * (1 + max(pods_per_node(t) for t in group.instance_types))
        for group in spec.eks.node_groups.values()
    )


def advise(spec: PlatformSpec, where: SourceMap, today: date | None = None) -> list[Problem]:
    """Every warning for `spec`, located like errors and in file order.

    `today` dates the Kubernetes version warnings (default: the clock, or LITELLM_CFN_TODAY).
    """
    day = today or kubernetes_versions.today()
    return in_file_order(
        [
            where.problem(path, message, severity="warning")
            for path, message in (
                *_kubernetes_version_is_supported(spec, day),
                *_someone_can_reach_the_api(spec),
                *_production_has_spare_nodes(spec),
                *_private_subnets_hold_every_pod(spec),
                *_spot_groups_are_diversified(spec),
                *_production_is_highly_available(spec),
                *_vpc_uses_private_addresses(spec),
                *_traffic_is_logged(spec),
                *_api_is_not_open_to_the_internet(spec),
                *_pods_cannot_borrow_the_node_role(spec),
                *_database_traffic_is_encrypted(spec),
                *_production_cannot_be_deleted_by_accident(spec),
                *_restored_database_stays_restored(spec),
            )
        ]
    )


Advice = Iterator[tuple[tuple[str | int, ...], str]]


def _private_subnets_hold_every_pod(spec: PlatformSpec) -> Advice:
    capacity = sum(s.usable for s in spec.vpc.subnet_plan.tier("private"))
    needed = node_addresses_needed(spec)
    if needed > capacity:
        yield (
            ("eks", "node_groups"),
            f"at max_size the node groups may need {needed:,} pod and node addresses but the "
            f"private subnets hold {capacity:,}: lower private_subnet_newbits for larger subnets "
            "(see the seed's IP address planning)",
        )


def _spot_groups_are_diversified(spec: PlatformSpec) -> Advice:
    for name, group in spec.eks.node_groups.items():
        if group.capacity_type == "SPOT" and len(group.instance_types) == 1:
            yield (
                ("eks", "node_groups", name, "instance_types"),
                "a SPOT group with one instance type loses every node when that pool is "
                "reclaimed; list several similar types",
            )


def _production_is_highly_available(spec: PlatformSpec) -> Advice:
    if spec.environment != "prod":
        return
    if spec.vpc.single_nat_gateway:
        yield (
            ("vpc", "single_nat_gateway"),
            "one NAT gateway is a single point of failure for all egress in prod",
        )
    if not spec.rds.multi_az:
        yield (("rds", "multi_az"), "a single-AZ database in prod has no standby to fail over to")
    if not spec.cache.enabled:
        yield (
            ("cache", "enabled"),
            "no cache in prod: each LiteLLM replica enforces rate limits and budgets on its "
            "own, so two replicas allow twice the limits",
        )
    elif not spec.cache_multi_az:
        yield (
            ("cache", "multi_az"),
            "a cache without Multi-AZ in prod: losing its zone or node stops rate limiting and "
            "budgets until ElastiCache replaces it",
        )


def _vpc_uses_private_addresses(spec: PlatformSpec) -> Advice:
    cidr = IPv4Network(spec.vpc.cidr)
    if not any(cidr.subnet_of(private) for private in _PRIVATE_RANGES):
        yield (
            ("vpc", "cidr"),
            f"{cidr} is not in private or shared address space "
            f"({', '.join(str(n) for n in _PRIVATE_RANGES)})",
        )


def _traffic_is_logged(spec: PlatformSpec) -> Advice:
    if not spec.vpc.flow_logs.enabled:
        yield (
            ("vpc", "flow_logs", "enabled"),
            "without flow logs, network traffic is not recorded",
        )


def _api_is_not_open_to_the_internet(spec: PlatformSpec) -> Advice:
    if spec.eks.endpoint_public_access and "0.0.0.0/0" in spec.eks.public_access_cidrs:
        yield (
            ("eks", "public_access_cidrs"),
            "0.0.0.0/0 opens the Kubernetes API endpoint to the whole internet",
        )


def _pods_cannot_borrow_the_node_role(spec: PlatformSpec) -> Advice:
    if spec.eks.imds_hop_limit > 1:
        yield (
            ("eks", "imds_hop_limit"),
            f"with {spec.eks.imds_hop_limit} hops, any pod can fetch the node role's credentials "
            "from instance metadata; raise it only for workloads that need IMDS",
        )


def _database_traffic_is_encrypted(spec: PlatformSpec) -> Advice:
    if not spec.rds.force_ssl:
        yield (
            ("rds", "force_ssl"),
            "the database accepts connections without TLS: passwords and data may cross the "
            "VPC in clear text",
        )


def _production_cannot_be_deleted_by_accident(spec: PlatformSpec) -> Advice:
    if spec.environment != "prod":
        return
    storage = spec.eks.default_storage_class
    if storage.enabled and storage.reclaim_policy == "Delete":
        yield (
            ("eks", "default_storage_class", "reclaim_policy"),
            "Delete in prod: deleting a claim (or its namespace, or a helm release) deletes "
            "the volume and its data",
        )
    for section, protected in (
        ("eks", spec.eks.deletion_protection),
        ("rds", spec.rds.deletion_protection),
    ):
        if protected is False:
            yield (
                (section, "deletion_protection"),
                "deletion protection is off in prod: one delete call removes it",
            )


def _restored_database_stays_restored(spec: PlatformSpec) -> Advice:
    # CloudFormation AWS::RDS::DBInstance, DBSnapshotIdentifier: a different value, or none,
    # on a later update restores or creates a new instance and deletes the original.
    if spec.rds.restore_from_snapshot is not None:
        yield (
            ("rds", "restore_from_snapshot"),
            "keep this key in the spec: changing or removing it replaces the database "
            "(CloudFormation creates a new instance)",
        )


def _kubernetes_version_is_supported(spec: PlatformSpec, today: date) -> Advice:
    version = spec.eks.cluster_version
    entry = kubernetes_versions.lifecycle(version)
    where = ("eks", "cluster_version")
    if entry is None:
        if kubernetes_versions.support_on(version, today) == "unlisted":
            yield (
                where,
                f"{version} is newer than litellm-cfn's EKS calendar (read "
                f"{kubernetes_versions.CALENDAR_READ_ON}); EKS refuses it if it does not offer "
                "it yet",
            )
        return
    support = entry.support_on(today)
    if support == "extended":
        yield (
            where,
            f"{version} is in extended support until {entry.end_of_extended}, billed per "
            "cluster hour on top of standard support; upgrade one minor version at a time to "
            f"{kubernetes_versions.creatable_on(today)[-1]}",
        )
    elif support == "standard":
        days_left = (entry.end_of_standard - today).days
        if days_left <= kubernetes_versions.STANDARD_SUPPORT_WARNING_DAYS:
            then = (
                "EKS then upgrades the control plane by itself (support_type: STANDARD)"
                if spec.eks.support_type == "STANDARD"
                else "extended support then bills per cluster hour (support_type: EXTENDED)"
            )
            yield (
                where,
                f"{version} leaves standard support on {entry.end_of_standard} (in {days_left} "
                f"days): {then}; upgrade to {version.split('.')[0]}."
                f"{kubernetes_versions.minor(version) + 1} first",
            )


def _someone_can_reach_the_api(spec: PlatformSpec) -> Advice:
    eks = spec.eks
    if eks.endpoint_public_access or spec.bastion.enabled or eks.private_access_cidrs:
        return
    yield (
        ("eks", "endpoint_public_access"),
        "nothing can reach the Kubernetes API: the endpoint is private and neither the "
        "bastion (bastion.enabled) nor an admin network (eks.private_access_cidrs) is "
        "allowed to it; kubectl, helm and `litellm-cfn kube` need one of them",
    )


def _production_has_spare_nodes(spec: PlatformSpec) -> Advice:
    if spec.environment != "prod":
        return
    nodes = sum(g.desired_size for g in spec.eks.node_groups.values() if g.runs_system_pods)
    if nodes < 2:
        yield (
            ("eks", "node_groups"),
            f"{nodes} node for system pods in prod: CoreDNS, the EBS CSI controller and "
            "LiteLLM stop with it; run at least 2 untainted nodes",
        )
