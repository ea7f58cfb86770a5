"""fleet.yaml as typed, immutable models: one platform spec rolled out to many accounts and
regions through CloudFormation StackSets, target by target, in waves.

Like the spec's model modules, this one does not use `from __future__ import annotations`
(pydantic would evaluate every annotation string at import). The rules that span targets and
waves are in `litellm_cfn.fleet.rules`; a wave's operation preferences in `preferences`.
"""

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator
from typing_extensions import Self

from litellm_cfn.fleet import rules
from litellm_cfn.fleet.preferences import Concurrency, Tolerance, preferences_of
from litellm_cfn.spec import REGION_PATTERN
from litellm_cfn.spec.base import (
    Bool,
    Checked,
    Model,
    Str,
    check_rules,
    distinct,
    invalid,
    matching,
)

_NAME = r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,31}"
_NAME_HINT = "1 to 32 lowercase letters, digits and single hyphens"
TargetName = Annotated[Str, matching(_NAME, f"is not a target name: {_NAME_HINT}")]
WaveName = Annotated[Str, matching(_NAME, f"is not a wave name: {_NAME_HINT}")]
StackSetName = Annotated[
    Str,
    matching(
        r"[a-zA-Z][-a-zA-Z0-9]{0,127}",
        "is not a stack set name: a letter, then letters, digits and hyphens, 128 at most",
    ),
]
Region = Annotated[Str, matching(REGION_PATTERN, "is not an AWS region name such as us-east-1")]
OrganizationalUnit = Annotated[
    Str,
    matching(
        r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}",
        "is not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)",
    ),
]
OrganizationId = Annotated[
    Str, matching(r"o-[a-z0-9]{10,32}", "is not an organization id such as o-a1b2c3d4e5")
]
RoleArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
        "is not an IAM role ARN such as arn:aws:iam::123456789012:role/Admin",
    ),
]
RoleName = Annotated[
    Str, matching(r"[\w+=,.@-]{1,64}", "is not an IAM role name (1 to 64 characters)")
]
# A dotted key of the platform spec: `rds.instance_class`, `eks.node_groups.default.max_size`.
OverlayKey = Annotated[
    Str,
    matching(
        r"[A-Za-z0-9_:/=+@-]{1,128}(?:\.[A-Za-z0-9_:/=+@-]{1,128}){0,15}",
        "is not a dotted key of the platform spec such as rds.instance_class",
    ),
]


def _not_empty(items: Any) -> Any:
    if not items:
        raise invalid("must not be empty")
    return items


# Checked after the items, so one bad item is one error, not also a "too short" list.
NOT_EMPTY = Checked(_not_empty, minProperties=1)
AT_LEAST_ONE = Checked(_not_empty, minItems=1)


def _quoted_account(value: Any) -> Any:
    """Refuse an unquoted account id with a hint: YAML reads it as a number, which loses an
    account id's leading zeros (012345678901 becomes 12345678901)."""
    if isinstance(value, int) and not isinstance(value, bool):
        quoted = f'"{value:012d}"' if 0 <= value < 10**12 else "its 12 digits in quotes"
        raise invalid(
            f"an account id must be quoted: YAML reads {str(value)[:20]} as a number and "
            f"drops leading zeros; write {quoted}"
        )
    return value


AccountId = Annotated[
    Str,
    BeforeValidator(_quoted_account),
    matching(r"[0-9]{12}", "is not an AWS account id (12 digits)"),
]


class Permissions(Model):
    """Self-managed permissions: the roles CloudFormation deploys to each account with."""

    administration_role_arn: RoleArn | None = Field(
        None,
        description="The role the stack set uses in this account; default AWS's "
        "arn:aws:iam::<this account>:role/AWSCloudFormationStackSetAdministrationRole.",
    )
    execution_role_name: RoleName = Field(
        "AWSCloudFormationStackSetExecutionRole",
        description="The role in every target account that creates the stacks.",
    )


class Organization(Model):
    """Service-managed permissions: AWS Organizations deploys to organizational units."""

    id: OrganizationId = Field(description="The organization's id, o-xxxxxxxxxx.")
    auto_deployment: Bool = Field(
        True, description="Deploy to accounts that join a target organizational unit."
    )
    retain_stacks_on_account_removal: Bool = Field(
        True, description="Keep an account's stacks when it leaves the organizational unit."
    )
    call_as: Literal["SELF", "DELEGATED_ADMIN"] = Field(
        "SELF",
        description="SELF from the management account, DELEGATED_ADMIN from a delegated "
        "administrator account.",
    )


class FleetTarget(Model):
    """Where one platform goes: accounts (or organizational units) times regions, with the
    spec's keys it changes there."""

    accounts: Annotated[tuple[AccountId, ...], distinct(required=True)] | None = Field(
        None, description="Account ids, quoted (self-managed permissions)."
    )
    organizational_units: (
        Annotated[tuple[OrganizationalUnit, ...], distinct(required=True)] | None
    ) = Field(None, description="Organizational unit or root ids (service-managed).")
    regions: Annotated[tuple[Region, ...], distinct(required=True)] = Field(
        description="Regions to deploy to."
    )
    overlay: dict[OverlayKey, Any] = Field(
        default_factory=dict,
        description="Dotted keys of the platform spec and their values for this target, "
        "e.g. rds.instance_class; a target with an overlay gets a stack set of its own.",
    )


class Wave(Model):
    """Targets deployed together, and how fast: the stack set operation's preferences."""

    name: WaveName = Field(description="The wave's name, unique in the fleet.")
    targets: Annotated[tuple[TargetName, ...], distinct(required=True)] = Field(
        description="The targets deployed in this wave."
    )
    max_concurrent: Concurrency = Field(
        1, description="Accounts deployed at once per region: a number, or a percentage '50%'."
    )
    failure_tolerance: Tolerance = Field(
        0, description="Failed accounts per region before a region stops: a number or '10%'."
    )
    region_order: Annotated[tuple[Region, ...], distinct()] | None = Field(
        None, description="The order regions are deployed in; each a region of the targets."
    )
    region_concurrency: Literal["SEQUENTIAL", "PARALLEL"] = Field(
        "SEQUENTIAL", description="One region at a time, or all regions at once."
    )
    concurrency_mode: Literal["STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"] = Field(
        "STRICT_FAILURE_TOLERANCE",
        description="STRICT lowers concurrency as accounts fail; SOFT keeps max_concurrent.",
    )

    def operation_preferences(self) -> dict[str, Any]:
        """The wave's OperationPreferences, as the CloudFormation StackSets API takes them."""
        return preferences_of(self)


class FleetSpec(Model):
    """One platform spec deployed through StackSets to many accounts and regions."""

    spec: Annotated[Str, Field(min_length=1)] = Field(
        description="The platform spec, relative to this file, e.g. ../platform.yaml."
    )
    name: StackSetName | None = Field(
        None,
        description="Stack set names: <name>, and <name>-<target> for a target with an "
        "overlay; default the spec's <name>-<environment>.",
    )
    permissions: Permissions = Field(
        default_factory=Permissions,
        description="Self-managed permissions (when no organization is given).",
    )
    organization: Organization | None = Field(
        None, description="Deploy with service-managed permissions to organizational units."
    )
    targets: Annotated[dict[TargetName, FleetTarget], NOT_EMPTY] = Field(
        description="Where the platform goes, by target name."
    )
    waves: Annotated[tuple[Wave, ...], AT_LEAST_ONE] | None = Field(
        None,
        description="The order targets are deployed in; default one wave of every target.",
    )

    @property
    def rollout_waves(self) -> tuple[Wave, ...]:
        """The waves in order: as written, or one wave "all" of every target in file order."""
        if self.waves is not None:
            return self.waves
        return (Wave(name="all", targets=tuple(self.targets)),)

    @property
    def permission_model(self) -> Literal["SELF_MANAGED", "SERVICE_MANAGED"]:
        """StackSets' PermissionModel: service-managed with an organization, else self."""
        return "SELF_MANAGED" if self.organization is None else "SERVICE_MANAGED"

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(*rules.fleet_rules(self))
        return self
