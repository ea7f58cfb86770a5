"""The `eks` section: the cluster and its managed node groups (the seed's `eks_node_groups`)."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator
from typing_extensions import Self

from litellm_cfn.errors import shown
from litellm_cfn.spec import kubernetes_versions
from litellm_cfn.spec.base import (
    Bool,
    Int,
    Model,
    RetentionDays,
    Str,
    Violation,
    check_rules,
    cidr_block,
    distinct,
    invalid,
    matching,
)
from litellm_cfn.spec.node_groups import NodeGroup, NodeGroupName, node_group_id

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
            f'must be a quoted string such as "{kubernetes_versions.DEFAULT_VERSION}": unquoted, '
            "YAML reads it as a number (and 1.30 as 1.3)"
        )
    return value


KubernetesVersion = Annotated[
    Str,
    BeforeValidator(_version_written_as_text),
    matching(
        r"1\.[2-9][0-9]",
        f'is not a Kubernetes minor version such as "{kubernetes_versions.DEFAULT_VERSION}"',
    ),
]


IamPrincipalArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+",
        "is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/Admin "
        "(for an assumed-role session, give the role's ARN)",
    ),
]
AddonVersion = Annotated[
    Str,
    matching(
        r"v\d+\.\d+\.\d+-eksbuild\.\d+", "is not an EKS add-on version such as v1.19.2-eksbuild.1"
    ),
]
AddonName = Literal[
    "vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver"
]
CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


CidrBlock = Annotated[Str, cidr_block("203.0.113.0/24")]


class Addon(Model):
    """Settings of one EKS add-on."""

    version: AddonVersion | None = Field(None, description="Pin a version; default: EKS's.")


class DefaultStorageClass(Model):
    """The StorageClass PersistentVolumeClaims get when they name none."""

    enabled: Bool = Field(
        True, description="Create it through the EBS CSI add-on (EKS marks none default)."
    )
    name: Annotated[
        Str,
        matching(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", "is not a Kubernetes (DNS-1123) name"),
    ] = Field("gp3", description="StorageClass name.")
    reclaim_policy: Literal["Retain", "Delete"] = Field(
        "Retain",
        description="What happens to a volume when its claim is deleted; fixed once created.",
    )


def _default_node_groups() -> dict[str, NodeGroup]:
    return {"default": NodeGroup()}


class Eks(Model):
    """The seed's `eks` module: an EKS cluster with managed node groups."""

    cluster_name: ClusterName | None = Field(
        None, description='Cluster name; default "<name>-eks" as in the seed.'
    )
    cluster_version: KubernetesVersion = Field(
        kubernetes_versions.DEFAULT_VERSION,
        description="Kubernetes minor version; nodes follow it (one minor per upgrade).",
    )
    support_type: Literal["STANDARD", "EXTENDED"] = Field(
        "STANDARD",
        description="At the end of standard support: STANDARD upgrades the control plane; "
        "EXTENDED keeps the version up to 12 months more, billed per cluster hour.",
    )
    endpoint_public_access: Bool = Field(
        False,
        description="Also reach the Kubernetes API from the internet (private is always on).",
    )
    public_access_cidrs: Annotated[tuple[CidrBlock, ...], distinct()] = Field(
        (), description="Who may reach the public endpoint; required when it is on."
    )
    private_access_cidrs: Annotated[tuple[CidrBlock, ...], distinct()] = Field(
        (),
        max_length=50,
        description="Networks (VPN, Transit Gateway, peered VPCs) allowed to the private "
        "endpoint on 443.",
    )
    authentication_mode: Literal["API_AND_CONFIG_MAP", "API"] = Field(
        "API_AND_CONFIG_MAP", description="How IAM principals map to Kubernetes (one-way to API)."
    )
    cluster_creator_admin: Bool = Field(
        True,
        description="Make whoever creates the stack a cluster admin (fixed at creation).",
    )
    admin_principal_arns: Annotated[tuple[IamPrincipalArn, ...], distinct()] = Field(
        (), description="IAM roles or users given AmazonEKSClusterAdminPolicy."
    )
    deletion_protection: Bool | None = Field(
        None, description="Refuse to delete the cluster; default: on in prod."
    )
    log_retention_days: RetentionDays = Field(
        90, description="Days CloudWatch Logs keeps the control-plane logs."
    )
    imds_hop_limit: Int = Field(
        1,
        ge=1,
        le=64,
        description="Instance metadata hop limit on nodes; 1 keeps pods from the node role.",
    )
    addons: dict[AddonName, Addon] = Field(
        default_factory=dict, description="Add-on settings by add-on name."
    )
    default_storage_class: DefaultStorageClass = Field(default_factory=DefaultStorageClass)
    node_groups: dict[NodeGroupName, NodeGroup] = Field(
        default_factory=_default_node_groups,
        min_length=1,
        description="Managed node groups by name; at least one.",
    )

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Self:
        today = (info.context or {}).get("today") or kubernetes_versions.today()
        check_rules(
            self._public_endpoint_names_who_may_reach_it(),
            *self._node_group_ids_differ(),
            self._some_group_runs_system_pods(),
            self._version_is_created_today(today),
            self._support_type_fits_the_version(today),
        )
        return self

    def _version_is_created_today(self, today: date) -> Violation | None:
        support = kubernetes_versions.support_on(self.cluster_version, today)
        if support != "retired":
            return None
        offered = kubernetes_versions.creatable_on(today)
        entry = kubernetes_versions.lifecycle(self.cluster_version)
        ended = f" (its extended support ended {entry.end_of_extended})" if entry else ""
        return (
            "cluster_version",
            f"EKS no longer creates clusters at {self.cluster_version}{ended}; use one of "
            f"{', '.join(offered)} (newest: {offered[-1]})"
            if offered
            else f"EKS no longer creates clusters at {self.cluster_version}{ended}",
        )

    def _support_type_fits_the_version(self, today: date) -> Violation | None:
        entry = kubernetes_versions.lifecycle(self.cluster_version)
        if self.support_type != "STANDARD" or entry is None:
            return None
        if entry.support_on(today) != "extended":
            return None
        return (
            "support_type",
            f"{self.cluster_version} left standard support on {entry.end_of_standard}: run it "
            "with support_type: EXTENDED (billed per cluster hour; EKS refuses to turn extended "
            "support off once a cluster is in it) or choose a version in standard support",
        )

    def _some_group_runs_system_pods(self) -> Violation | None:
        if any(group.runs_system_pods for group in self.node_groups.values()):
            return None
        return (
            "node_groups",
            "no node group can run CoreDNS and the EBS CSI controller, so their add-ons would "
            "never become active: give at least one group desired_size >= 1 and no "
            "NO_SCHEDULE or NO_EXECUTE taint",
        )

    def _public_endpoint_names_who_may_reach_it(self) -> Violation | None:
        if self.endpoint_public_access and not self.public_access_cidrs:
            return (
                "public_access_cidrs",
                "list who may reach the public endpoint (e.g. your office's /32); "
                "EKS would otherwise open it to the whole internet",
            )
        if self.public_access_cidrs and not self.endpoint_public_access:
            return "public_access_cidrs", "only applies with endpoint_public_access: true"
        return None

    def _node_group_ids_differ(self) -> list[Violation]:
        seen: dict[str, str] = {}
        clashes: list[Violation] = []
        for name in self.node_groups:
            other = seen.setdefault(node_group_id(name), name)
            if other != name:
                clashes.append(
                    (
                        ("node_groups", name),
                        f"names the same resources as {shown(other)}; rename one",
                    )
                )
        return clashes
