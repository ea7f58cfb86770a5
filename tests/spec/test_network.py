"""The subnet plan: the seed's table exactly, its newbits examples, and no overlap ever."""

from __future__ import annotations

from ipaddress import IPv4Network

from hypothesis import given
from hypothesis import strategies as st

from litellm_cfn.spec.network import TIERS, plan_subnets

VPC = IPv4Network("10.0.0.0/16")


def cidrs(plan, tier):
    return [str(s.cidr) for s in plan.tier(tier)]


def test_defaults_reproduce_the_seeds_subnet_table():
    plan = plan_subnets(VPC, 3, dict.fromkeys(TIERS, 4))
    assert cidrs(plan, "public") == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert cidrs(plan, "private") == ["10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20"]
    assert cidrs(plan, "database") == ["10.0.96.0/20", "10.0.112.0/20", "10.0.128.0/20"]
    assert {s.usable for s in plan.subnets} == {4091}
    assert plan.needed == 36_864
    assert plan.vpc.num_addresses - plan.needed == 28_672


def test_the_seeds_larger_subnets_example_aligns_private_blocks():
    plan = plan_subnets(VPC, 3, {"public": 6, "private": 3, "database": 6})
    assert cidrs(plan, "public") == ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"]
    assert cidrs(plan, "private") == ["10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"]
    assert cidrs(plan, "database") == ["10.0.128.0/22", "10.0.132.0/22", "10.0.136.0/22"]
    assert [s.usable for s in plan.tier("private")] == [8187] * 3
    assert plan.fits


def test_the_seeds_smaller_subnets_example():
    plan = plan_subnets(VPC, 3, {"public": 8, "private": 6, "database": 8})
    assert cidrs(plan, "public") == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert cidrs(plan, "private") == ["10.0.4.0/22", "10.0.8.0/22", "10.0.12.0/22"]
    assert cidrs(plan, "database") == ["10.0.16.0/24", "10.0.17.0/24", "10.0.18.0/24"]
    assert [s.usable for s in plan.tier("public")] == [251] * 3


def test_a_plan_that_does_not_fit_says_how_much_it_needs():
    plan = plan_subnets(VPC, 6, {"public": 2, "private": 2, "database": 2})
    assert not plan.fits
    assert plan.subnets == ()
    assert plan.needed == 18 * 16_384


@given(
    prefix=st.integers(16, 24),
    az_count=st.integers(2, 6),
    newbits=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
    octet=st.integers(0, 255),
)
def test_planned_subnets_never_overlap_and_stay_inside_the_vpc(prefix, az_count, newbits, octet):
    vpc = IPv4Network((f"10.{octet}.0.0", prefix), strict=False)
    plan = plan_subnets(vpc, az_count, dict(zip(TIERS, newbits, strict=True)))
    if not plan.fits:
        assert plan.needed > vpc.num_addresses
        return
    assert len(plan.subnets) == 3 * az_count
    for subnet in plan.subnets:
        assert subnet.cidr.subnet_of(vpc)
        assert subnet.cidr.prefixlen == prefix + newbits[TIERS.index(subnet.tier)]
    for i, first in enumerate(plan.subnets):
        for second in plan.subnets[i + 1 :]:
            assert not first.cidr.overlaps(second.cidr)
    ends = [int(s.cidr.broadcast_address) for s in plan.subnets]
    assert ends == sorted(ends), "tiers are laid out in order"
