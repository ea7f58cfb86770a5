"""Subnet planning: pure ipaddress arithmetic, done at compile time so templates show literal CIDRs.

Tiers are laid out in order (public, private, database), one subnet per availability zone each,
every subnet aligned to its own size. With equal newbits this is Terraform's
`cidrsubnet(cidr, newbits, index)` sequence, so the defaults reproduce the seed's table exactly;
with mixed newbits the alignment keeps blocks from overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

TIERS = ("public", "private", "database")
AWS_RESERVED_PER_SUBNET = 5
SMALLEST_SUBNET_PREFIX = 28


@dataclass(frozen=True)
class PlannedSubnet:
    """One subnet of the plan: its tier, 0-based AZ index and CIDR block."""

    tier: str
    az_index: int
    cidr: IPv4Network

    @property
    def usable(self) -> int:
        """Addresses left after the five AWS reserves in every subnet."""
        return self.cidr.num_addresses - AWS_RESERVED_PER_SUBNET


@dataclass(frozen=True)
class SubnetPlan:
    """Every subnet of a VPC, or, when they do not fit, how much space they would need."""

    vpc: IPv4Network
    subnets: tuple[PlannedSubnet, ...]
    needed: int

    @property
    def fits(self) -> bool:
        """True when every subnet lies inside the VPC."""
        return self.needed <= self.vpc.num_addresses

    def tier(self, name: str) -> tuple[PlannedSubnet, ...]:
        """The subnets of one tier, in AZ order."""
        return tuple(s for s in self.subnets if s.tier == name)

    @property
    def allocated(self) -> int:
        """Addresses inside subnets."""
        return sum(s.cidr.num_addresses for s in self.subnets)


def plan_subnets(vpc: IPv4Network, az_count: int, newbits: dict[str, int]) -> SubnetPlan:
    """Lay out `az_count` subnets per tier; `newbits[tier]` is added to the VPC prefix."""
    base = int(vpc.network_address)
    cursor = 0
    offsets: list[tuple[str, int, int, int]] = []
    for tier in TIERS:
        prefix = vpc.prefixlen + newbits[tier]
        size = 1 << (32 - prefix)
        for az_index in range(az_count):
            start = -(-cursor // size) * size
            offsets.append((tier, az_index, start, prefix))
            cursor = start + size
    if cursor > vpc.num_addresses:
        return SubnetPlan(vpc, (), cursor)
    subnets = tuple(
        PlannedSubnet(tier, az_index, IPv4Network((base + start, prefix)))
        for tier, az_index, start, prefix in offsets
    )
    return SubnetPlan(vpc, subnets, cursor)
