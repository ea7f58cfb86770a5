"""A managed node group of the `eks` section: its instance types, the Amazon Linux 2023 AMI
they need, its size, labels and taints (the seed's `eks_node_groups` entries)."""

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from litellm_cfn.errors import shown
from litellm_cfn.spec.base import (
    InstanceType,
    Int,
    Model,
    Str,
    Violation,
    check_rules,
    distinct,
    matching,
)

_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_DNS_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/"

LabelKey = Annotated[
    Str,
    matching(
        f"({_DNS_PREFIX})?{_LABEL_NAME}",
        "is not a Kubernetes label key ([prefix/]name; name: up to 63 letters, digits, -_.)",
    ),
]
LabelValue = Annotated[
    Str,
    matching(
        f"({_LABEL_NAME})?",
        "is not a Kubernetes label value (up to 63 letters, digits, -_.)",
    ),
]
NodeGroupName = Annotated[
    Str,
    matching(
        r"[0-9A-Za-z][A-Za-z0-9_-]{0,62}",
        "is not a node group name (letters, digits, '-', '_', up to 63, starting alphanumeric)",
    ),
]
AmiType = Literal[
    "AL2023_x86_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "AL2023_ARM_64_STANDARD",
    "AL2023_ARM_64_NVIDIA",
]


def ami_type_for(instance_type: str) -> str:
    """The Amazon Linux 2023 EKS AMI an instance type needs: its CPU and its accelerator."""
    family = instance_type.split(".", 1)[0]
    arm = re.match(r"[a-z]+?\d+g", family) is not None
    if re.match(r"(inf|trn)\d", family):
        return "AL2023_x86_64_NEURON"
    # NVIDIA: g*, gr* (gr6, gr6f: L4) and p* families, except AMD's g4ad (EKS User Guide,
    # "Use EKS-optimized accelerated AMIs for GPU instances": AL2023 x86_64 NVIDIA list).
    nvidia = re.match(r"(g|gr|p)\d", family) is not None and not family.startswith("g4ad")
    return f"AL2023_{'ARM_64' if arm else 'x86_64'}_{'NVIDIA' if nvidia else 'STANDARD'}"


def node_group_id(name: str) -> str:
    """A node group name as a CloudFormation logical id part: `gpu-nodes` -> `GpuNodes`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name))


class Taint(Model):
    """A Kubernetes taint applied to every node of a group."""

    key: LabelKey = Field(description="Taint key.")
    value: LabelValue = Field("", description="Taint value (may be empty).")
    effect: Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"] = Field(
        description="What the taint does to pods that do not tolerate it."
    )


class NodeGroup(Model):
    """One EKS managed node group (the seed's `eks_node_groups` entry)."""

    instance_types: Annotated[tuple[InstanceType, ...], distinct(required=True)] = Field(
        ("m6i.large", "m5.large"), description="EC2 instance types, preferred first."
    )
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field("ON_DEMAND", description="Purchase option.")
    ami_type: AmiType | None = Field(
        None, description="EKS AMI; default: the Amazon Linux 2023 AMI the instance types need."
    )
    disk_size: Int = Field(100, ge=20, le=16384, description="Root volume size in GiB (gp3).")
    desired_size: Int = Field(3, ge=0, le=1000, description="Nodes to start with.")
    min_size: Int = Field(2, ge=0, le=1000, description="Fewest nodes.")
    max_size: Int = Field(6, ge=1, le=1000, description="Most nodes.")
    max_unavailable: Int = Field(
        1, ge=1, le=100, description="Nodes replaced at a time during an update."
    )
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Kubernetes labels on every node."
    )
    taints: tuple[Taint, ...] = Field((), max_length=50, description="Kubernetes taints.")

    @property
    def runs_system_pods(self) -> bool:
        """Whether CoreDNS and the EBS CSI controller can start here: nodes at creation, and
        no taint that keeps untolerating pods off."""
        repels = any(t.effect in ("NO_SCHEDULE", "NO_EXECUTE") for t in self.taints)
        return self.desired_size >= 1 and not repels

    @property
    def resolved_ami_type(self) -> str:
        """`ami_type`, or the one the instance types need."""
        return self.ami_type or ami_type_for(self.instance_types[0])

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(self._min_le_desired_le_max(), self._types_share_one_ami())
        return self

    def _min_le_desired_le_max(self) -> Violation | None:
        if self.min_size > self.max_size:
            return "min_size", f"must be <= max_size ({self.max_size})"
        if not self.min_size <= self.desired_size <= self.max_size:
            return (
                "desired_size",
                f"must be between min_size ({self.min_size}) and max_size ({self.max_size})",
            )
        return None

    def _types_share_one_ami(self) -> Violation | None:
        architecture = "ARM_64" if "ARM_64" in self.resolved_ami_type else "x86_64"
        for index, instance_type in enumerate(self.instance_types):
            needed = ami_type_for(instance_type)
            if self.ami_type is None and needed != self.resolved_ami_type:
                return (
                    ("instance_types", index),
                    f"{shown(instance_type)} needs {needed} but {shown(self.instance_types[0])} "
                    f"needs {self.resolved_ami_type}: one group runs one AMI, so split the group",
                )
            if architecture not in needed:
                return (
                    ("instance_types", index),
                    f"{shown(instance_type)} cannot run ami_type {self.resolved_ami_type}",
                )
        return None
