"""Kubernetes upgrades one minor version at a time, in the order the EKS stack declares.

EKS upgrades a control plane one minor version at a time and never downgrades it ("Update
existing cluster to new Kubernetes version",
https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html; eksctl's "Cluster
upgrades", https://docs.aws.amazon.com/eks/latest/eksctl/cluster-upgrade.html). A change set
that asks for more would fail in the middle of an update, so `diff` and `deploy` compare the
spec's `eks.cluster_version` with the running cluster's first, refuse a jump or a downgrade
as bad input, and print the deploys to run instead. An upgrade of one minor is reviewed with
what follows, in the order of the stack's dependencies (nested_stacks/eks): the control
plane, the add-ons nodes need, each node group in turn, then the add-ons that need nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm_cfn.errors import InputError
from litellm_cfn.spec import PlatformSpec
from nested_stacks.eks.addons import ADDONS
from nested_stacks.wiring import EKS_CLUSTER_NAME

if TYPE_CHECKING:
    from litellm_cfn.deploy.flow import Target


@dataclass(frozen=True)
class Upgrade:
    """The running cluster's Kubernetes version and the one the spec asks for."""

    running: str
    wanted: str


def minor(version: str) -> int:
    """1.34 -> 34 (the spec allows only 1.x minor versions)."""
    return int(version.split(".")[1])


def check_one_minor(upgrade: Upgrade, spec_path: Path) -> None:
    """Refuse a downgrade or a jump of more than one minor, saying which deploys to run."""
    running, wanted = minor(upgrade.running), minor(upgrade.wanted)
    if wanted < running:
        raise InputError(
            f"eks.cluster_version: the cluster runs Kubernetes {upgrade.running} and EKS "
            f"cannot downgrade it to {upgrade.wanted}; set {upgrade.running} or later"
        )
    if wanted - running > 1:
        steps = [f"1.{n}" for n in range(running + 1, wanted + 1)]
        raise InputError(
            f"eks.cluster_version: the cluster runs Kubernetes {upgrade.running} and EKS "
            f"upgrades one minor version at a time, so {upgrade.wanted} takes "
            f"{len(steps)} deploys: set eks.cluster_version to {', then '.join(steps)}, "
            f"running `litellm-cfn deploy {spec_path}` after each"
        )


def running_version(cfn: Any, stack_name: str, eks_client: Callable[[], Any]) -> str | None:
    """The Kubernetes version of the platform's running cluster, or None when there is no
    stack or no cluster in it yet (a first deploy, a platform without the EKS stack)."""
    from botocore.exceptions import ClientError

    from litellm_cfn.deploy.aws import described_stack

    stack = described_stack(cfn, stack_name)
    if stack is None:
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    cluster = outputs.get(EKS_CLUSTER_NAME.name)
    if cluster is None:
        return None
    try:
        return str(eks_client().describe_cluster(name=cluster)["cluster"]["version"])
    except ClientError as error:
        if error.response["Error"].get("Code") == "ResourceNotFoundException":
            return None
        raise


def upgrade_plan(spec: PlatformSpec, upgrade: Upgrade) -> str:
    """What an upgrade of one minor changes, in the order CloudFormation will change it."""
    before = [a.name for a in ADDONS if not a.needs_nodes]
    after = [a.name for a in ADDONS if a.needs_nodes]
    groups = list(spec.eks.node_groups)
    unpinned = [
        a.name
        for a in ADDONS
        if (settings := spec.eks.addons.get(a.name)) is None or settings.version is None
    ]
    lines = [
        f"KUBERNETES UPGRADE {upgrade.running} -> {upgrade.wanted}, in this order:",
        "  1. the control plane (EKS takes tens of minutes; the API stays available)",
        f"  2. the add-ons nodes need: {', '.join(before)}",
        *(
            f"  {3 + i}. node group {name}: new nodes at {upgrade.wanted}, the old ones drained "
            "within its max_unavailable"
            for i, name in enumerate(groups)
        ),
        f"  {3 + len(groups)}. the add-ons that need nodes: {', '.join(after)}",
    ]
    if unpinned:
        lines.append(
            f"  Not moved: {', '.join(unpinned)} keep the version EKS gave them at creation "
            "(set eks.addons.<name>.version to move them)"
        )
    return "\n".join(lines)


def kubernetes_upgrade(target: Target) -> Upgrade | None:
    """The upgrade the spec asks of the running cluster, if any; refused (InputError) if EKS
    cannot make it in one step."""
    from litellm_cfn.deploy.aws import client

    def eks() -> Any:
        return client("eks", target.region, target.profile, target.console.warn)

    running = running_version(target.cfn, target.spec.stack_name, eks)
    wanted = target.spec.eks.cluster_version
    if running is None or running == wanted:
        return None
    upgrade = Upgrade(running, wanted)
    check_one_minor(upgrade, target.spec_path)
    return upgrade
