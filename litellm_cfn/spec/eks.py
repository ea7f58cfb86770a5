"""The `eks` section: the cluster and its managed node groups (the seed's `eks_node_groups`)."""

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator
from typing_extensions import Self

from litellm_cfn.spec.base import (
    Int,
    Model,
    Str,
    Violation,
    check_rules,
    distinct,
    invalid,
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
InstanceType = Annotated[
    Str,
    matching(
        r"[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9-]+",
        "does not look like an EC2 instance type such as m6i.large",
    ),
]
NodeGroupName = Annotated[
    Str,
    matching(
        r"[0-9A-Za-z][A-Za-z0-9_-]{0,62}",
        "is not a node group name (letters, digits, '-', '_', up to 63, starting alphanumeric)",
    ),
]
ClusterName = Annotated[
    Str,
    matching(
        r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}",
        "is not an EKS cluster name (letters, digits, '-', '_', up to 100, starting alphanumeric)",
    ),
]


def _version_written_as_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise invalid(
            'must be a quoted string such as "1.31": unquoted, YAML reads it as a number '
            "(and 1.30 as 1.3)"
        )
    return value


KubernetesVersion = Annotated[
    Str,
    BeforeValidator(_version_written_as_text),
    matching(r"1\.[2-9][0-9]", 'is not a Kubernetes minor version such as "1.31"'),
]


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
    disk_size: Int = Field(100, ge=20, le=16384, description="Root volume size in GiB (gp3).")
    desired_size: Int = Field(3, ge=0, le=1000, description="Nodes to start with.")
    min_size: Int = Field(2, ge=0, le=1000, description="Fewest nodes.")
    max_size: Int = Field(6, ge=1, le=1000, description="Most nodes.")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Kubernetes labels on every node."
    )
    taints: tuple[Taint, ...] = Field((), max_length=50, description="Kubernetes taints.")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(self._min_le_desired_le_max())
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


def _default_node_groups() -> dict[str, NodeGroup]:
    return {"default": NodeGroup()}


class Eks(Model):
    """The seed's `eks` module: an EKS cluster with managed node groups."""

    cluster_name: ClusterName | None = Field(
        None, description='Cluster name; default "<name>-eks" as in the seed.'
    )
    cluster_version: KubernetesVersion = Field("1.31", description="Kubernetes minor version.")
    node_groups: dict[NodeGroupName, NodeGroup] = Field(
        default_factory=_default_node_groups,
        min_length=1,
        description="Managed node groups by name; at least one.",
    )
