"""The `vpc` section: address space, availability zones, subnet sizes, NAT and flow logs."""

from functools import cached_property
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import Field, model_validator
from typing_extensions import Self

from litellm_cfn.spec.base import (
    Bool,
    Checked,
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
from litellm_cfn.spec.network import SMALLEST_SUBNET_PREFIX, TIERS, SubnetPlan, plan_subnets

AvailabilityZone = Annotated[
    Str,
    matching(
        r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]",
        "is not an availability zone name such as us-east-1a",
    ),
]


def _vpc_sized(network: IPv4Network) -> None:
    if not 16 <= network.prefixlen <= SMALLEST_SUBNET_PREFIX:
        raise invalid(f"/{network.prefixlen} is outside the VPC sizes AWS allows (/16 to /28)")


def _newbits(value: int) -> int:
    if not 1 <= value <= SMALLEST_SUBNET_PREFIX - 16:
        raise invalid(f"{value} is outside 1..{SMALLEST_SUBNET_PREFIX - 16}")
    return value


VpcCidr = Annotated[Str, cidr_block("10.0.0.0/16", _vpc_sized)]
Newbits = Annotated[Int, Checked(_newbits, minimum=1, maximum=SMALLEST_SUBNET_PREFIX - 16)]


class FlowLogs(Model):
    """VPC flow logs into a KMS-encrypted CloudWatch log group."""

    enabled: Bool = Field(True, description="Record all VPC traffic (seed: on).")
    retention_days: RetentionDays = Field(30, description="Days CloudWatch Logs keeps them.")


class Vpc(Model):
    """The seed's `vpc` module: public, private and database subnets across availability zones."""

    cidr: VpcCidr = Field("10.0.0.0/16", description="VPC IPv4 CIDR block, /16 to /28.")
    az_count: Int = Field(3, ge=2, le=6, description="Availability zones to spread across.")
    availability_zones: Annotated[tuple[AvailabilityZone, ...], distinct()] = Field(
        (),
        description="Explicit zone names (as many as az_count); empty picks the region's first.",
    )
    public_subnet_newbits: Newbits = Field(4, description="Bits added to the VPC prefix.")
    private_subnet_newbits: Newbits = Field(4, description="Bits added to the VPC prefix.")
    database_subnet_newbits: Newbits = Field(4, description="Bits added to the VPC prefix.")
    single_nat_gateway: Bool = Field(
        False, description="One NAT gateway for all zones (cheaper, one point of failure)."
    )
    flow_logs: FlowLogs = Field(default_factory=FlowLogs)

    @cached_property
    def subnet_plan(self) -> SubnetPlan:
        """The computed layout of every subnet."""
        newbits = {tier: getattr(self, f"{tier}_subnet_newbits") for tier in TIERS}
        return plan_subnets(IPv4Network(self.cidr), self.az_count, newbits)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        badly_sized = self._subnets_are_aws_sized()
        check_rules(
            self._zones_match_az_count(),
            *badly_sized,
            None if badly_sized else self._subnets_fit(),
        )
        return self

    def _zones_match_az_count(self) -> Violation | None:
        count = len(self.availability_zones)
        if count and count != self.az_count:
            zones = "zone" if count == 1 else "zones"
            return "availability_zones", f"lists {count} {zones} but az_count is {self.az_count}"
        return None

    def _subnets_are_aws_sized(self) -> list[Violation]:
        prefix = IPv4Network(self.cidr).prefixlen
        return [
            (
                f"{tier}_subnet_newbits",
                f"makes /{prefix + bits} subnets from a /{prefix} VPC; "
                f"AWS subnets are /{SMALLEST_SUBNET_PREFIX} or larger",
            )
            for tier in TIERS
            if prefix + (bits := getattr(self, f"{tier}_subnet_newbits")) > SMALLEST_SUBNET_PREFIX
        ]

    def _subnets_fit(self) -> Violation | None:
        plan = self.subnet_plan
        if plan.fits:
            return None
        return (
            "cidr",
            f"the subnets need {plan.needed:,} addresses but {self.cidr} has "
            f"{plan.vpc.num_addresses:,}: newbits are relative to the VPC prefix, so raise a "
            "*_subnet_newbits or lower az_count",
        )
