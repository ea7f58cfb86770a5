"""platform.yaml as a typed, immutable PlatformSpec: the contract between users and the compiler.

The model modules of this package do not use `from __future__ import annotations`: pydantic
would then evaluate every annotation string at import, a measurable share of `build`'s time.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator
from typing_extensions import Self

from litellm_cfn.errors import SpecError, shown
from litellm_cfn.spec import kubernetes_versions, source
from litellm_cfn.spec.base import Model, Str, TagKey, TagValue, Violation, check_rules, matching
from litellm_cfn.spec.bastion import Bastion
from litellm_cfn.spec.cache import Cache
from litellm_cfn.spec.catalog import Catalog
from litellm_cfn.spec.eks import Eks
from litellm_cfn.spec.iam import Iam
from litellm_cfn.spec.rds import Rds
from litellm_cfn.spec.vpc import Vpc

__all__ = ["REGION_PATTERN", "LoadedSpec", "PlatformSpec", "load_spec", "validate_data"]

Name = Annotated[
    Str,
    matching(
        r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,30}",
        "is not a platform name: 2 to 31 lowercase letters, digits and single hyphens, "
        "starting with a letter and not ending with a hyphen",
    ),
]
Environment = Annotated[
    Str,
    matching(
        r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,15}",
        "is not an environment name: 1 to 16 lowercase letters, digits and single hyphens",
    ),
]
# The spec's `region` and the commands' --region are checked alike.
REGION_PATTERN = r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d"
Region = Annotated[Str, matching(REGION_PATTERN, "is not an AWS region name such as us-east-1")]


# IAM role names end at 64 characters; the longest region names (ap-southeast-2...) have 14.
ROLE_NAME_LIMIT = 64
LONGEST_REGION_NAME = 14


class PlatformSpec(Model):
    """One LiteLLM platform on AWS: everything `build` needs, validated once at load time."""

    name: Name = Field(description="Platform name; prefixes stack and resource names.")
    environment: Environment = Field("prod", description="Environment, e.g. prod or dev.")
    region: Region = Field(
        "us-east-1", description="Default region for deploy (templates stay region-agnostic)."
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, max_length=40, description="Tags on every taggable resource."
    )
    vpc: Vpc = Field(default_factory=Vpc)
    eks: Eks = Field(default_factory=Eks)
    rds: Rds = Field(default_factory=Rds)
    cache: Cache = Field(default_factory=Cache)
    iam: Iam = Field(default_factory=Iam)
    bastion: Bastion = Field(default_factory=Bastion)
    catalog: Catalog | None = Field(
        None, description="Publish the platform as a Service Catalog product (optional)."
    )

    @property
    def stack_name(self) -> str:
        """Root stack name and the prefix of resource names: `<name>-<environment>`."""
        return f"{self.name}-{self.environment}"

    @property
    def cluster_name(self) -> str:
        """The EKS cluster's name: `eks.cluster_name`, else the seed's `<name>-eks`."""
        return self.eks.cluster_name or f"{self.name}-eks"

    @property
    def cache_multi_az(self) -> bool:
        """Whether the cache keeps a replica in another zone: the spec's, else on in prod."""
        if self.cache.multi_az is None:
            return self.environment == "prod"
        return self.cache.multi_az

    @property
    def cache_replicas(self) -> int:
        """The cache's read replicas: the spec's, else one when it is Multi-AZ."""
        if self.cache.replicas is None:
            return 1 if self.cache_multi_az else 0
        return self.cache.replicas

    def protects(self, deletion_protection: bool | None) -> bool:
        """A resource's deletion protection: the spec's setting, else on in prod."""
        if deletion_protection is None:
            return self.environment == "prod"
        return deletion_protection

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(
            self._zones_in_region(),
            self._organization_for_ou_shares(),
            self._launch_role_name_fits(),
        )
        return self

    def _launch_role_name_fits(self) -> Violation | None:
        """The generated launch role is named `<name>-<environment>-launch-<region>`, and IAM
        role names end at 64 characters."""
        if self.catalog is None or self.catalog.launch_role is not None:
            return None
        length = len(f"{self.stack_name}-launch-") + LONGEST_REGION_NAME
        if length <= ROLE_NAME_LIMIT:
            return None
        return (
            "catalog",
            f"the launch role's name, {self.stack_name}-launch-<region>, may reach {length} "
            f"characters, over IAM's {ROLE_NAME_LIMIT}: shorten name or environment, or give "
            "catalog.launch_role",
        )

    def _organization_for_ou_shares(self) -> Violation | None:
        catalog = self.catalog
        if catalog is None or catalog.organization_id:
            return None
        if any(target.startswith("ou-") for target in catalog.share_with):
            return (
                "catalog.organization_id",
                "sharing with organizational units needs the organization's id, so "
                "their accounts may read the packaged templates",
            )
        return None

    def _zones_in_region(self) -> Violation | None:
        foreign = [z for z in self.vpc.availability_zones if z[:-1] != self.region]
        if foreign:  # at most az_count (6) zones
            return (
                "vpc.availability_zones",
                f"{', '.join(shown(z) for z in foreign)} not in region {shown(self.region)}",
            )
        return None


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec and where each of its values was written."""

    spec: PlatformSpec
    source: source.SourceMap
    lock: Path | None = None  # the version lock applied, if the spec has one


def validate_data(data: object, where: source.SourceMap, today: date | None = None) -> PlatformSpec:
    """Validate parsed YAML, raising a SpecError that lists every problem with its position.

    `today` decides which Kubernetes versions EKS still creates (default: the clock, or
    LITELLM_CFN_TODAY).
    """
    if data is None:
        raise SpecError(
            [where.problem((), "the file is empty: a spec needs at least `name: <platform name>`")]
        )
    context = {"today": today or kubernetes_versions.today()}
    try:
        return PlatformSpec.model_validate(data, context=context)
    except ValidationError as error:
        from litellm_cfn.spec.problems import problems_from

        raise SpecError(problems_from(error, where)) from None


def load_spec(path: Path, with_lock: bool = True) -> LoadedSpec:
    """Read, parse and validate a platform.yaml, with its version lock if it has one
    (`spec.lock`) unless not `with_lock`; messages name it as `path` was given."""
    from litellm_cfn.spec.lock import apply_lock, lock_path, read_lock

    data, where = source.load(path)
    spec = validate_data(data, where)
    locked = read_lock(lock_path(path)) if with_lock else None
    if locked is None:
        return LoadedSpec(spec, where)
    eks = apply_lock(spec.eks, *locked, spec_file=str(path))
    return LoadedSpec(spec.model_copy(update={"eks": eks}), where, lock_path(path))
