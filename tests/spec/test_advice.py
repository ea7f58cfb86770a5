"""Warnings: located like errors, never fatal, silent for the shipped specs."""

from __future__ import annotations

import pytest

from litellm_cfn.spec import load_spec, validate_data
from litellm_cfn.spec.advice import advise, node_addresses_needed, pods_per_node
from litellm_cfn.spec.source import parse
from tests.conftest import SPECS

UNREACHABLE = "nothing can reach the Kubernetes API"


def warnings_of(text: str, every: bool = False) -> list[str]:
    """The warnings of a spec text; without `every`, not the API-reachability one, which any
    short spec draws and which has tests of its own."""
    data, where = parse(text, "p.yaml")
    found = [str(w) for w in advise(validate_data(data, where), where)]
    return found if every else [w for w in found if UNREACHABLE not in w]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_the_shipped_specs_draw_no_warnings_but_the_seeds_unreachable_api(path):
    loaded = load_spec(path)
    found = [f"{w.path}: {w.message[:36]}" for w in advise(loaded.spec, loaded.source)]
    # The seed's defaults: a private endpoint, no bastion, no admin network. The warning says
    # how to get in; the other example specs each show one way.
    expected = (
        [f"eks.endpoint_public_access: {UNREACHABLE}"] if path.name == "platform.yaml" else []
    )
    assert found == expected


def test_pods_per_node_follows_the_instance_size():
    assert pods_per_node("m6i.large") == 29
    assert pods_per_node("t3.medium") == 17
    assert pods_per_node("m5.24xlarge") == 737
    assert pods_per_node("x9z.weird") == 110


def test_the_largest_listed_type_decides_a_groups_addresses():
    spec = validate_data(
        {
            "name": "dd",
            "eks": {"node_groups": {"a": {"instance_types": ["m5.large", "m5.4xlarge"]}}},
        },
        parse("", "p")[1],
    )
    assert node_addresses_needed(spec) == 6 * (1 + 234)


def test_private_subnets_too_small_for_the_node_groups_are_flagged():
    (warning,) = warnings_of(
        "name: dd\nvpc:\n  cidr: 10.0.0.0/20\n"
        "eks:\n  node_groups:\n    big: {instance_types: [m5.4xlarge], max_size: 20}\n"
    )
    assert warning.startswith("p.yaml:5:3: eks.node_groups: warning: at max_size the node groups")
    assert "need 4,700 pod and node addresses but the private subnets hold 753" in warning


def test_a_spot_group_with_one_type_is_flagged_at_its_types():
    (warning,) = warnings_of(
        "name: dd\nenvironment: dev\neks:\n  node_groups:\n"
        "    s: {instance_types: [t3.medium], capacity_type: SPOT, min_size: 1, desired_size: 1}\n"
    )
    assert "eks.node_groups.s.instance_types: warning: a SPOT group with one instance type" in (
        warning
    )


def test_production_without_redundancy_is_flagged():
    warnings = warnings_of("name: dd\nvpc: {single_nat_gateway: true}\nrds: {multi_az: false}\n")
    assert [w.split(": ")[1] for w in warnings] == ["vpc.single_nat_gateway", "rds.multi_az"]
    assert warnings_of("name: dd\nenvironment: dev\nvpc: {single_nat_gateway: true}\n") == []


def test_public_address_space_and_disabled_flow_logs_are_flagged():
    warnings = warnings_of("name: dd\nvpc: {cidr: 8.8.0.0/16, flow_logs: {enabled: false}}\n")
    assert warnings[0] == (
        "p.yaml:2:7: vpc.cidr: warning: 8.8.0.0/16 is not in private or shared address space "
        "(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)"
    )
    assert "without flow logs, network traffic is not recorded" in warnings[1]


def test_private_and_shared_address_space_draw_no_warning():
    for cidr in ("10.1.0.0/16", "172.20.0.0/16", "192.168.0.0/16", "100.64.0.0/16"):
        assert warnings_of(f"name: dd\nvpc: {{cidr: {cidr}}}\n") == [], cidr


def test_an_api_endpoint_open_to_the_internet_and_a_higher_imds_hop_limit_are_flagged():
    warnings = warnings_of(
        "name: dd\neks:\n  endpoint_public_access: true\n  public_access_cidrs: [0.0.0.0/0]\n"
        "  imds_hop_limit: 2\n"
    )
    assert [w.split(": ")[1] for w in warnings] == ["eks.public_access_cidrs", "eks.imds_hop_limit"]
    assert "opens the Kubernetes API endpoint to the whole internet" in warnings[0]
    assert "any pod can fetch the node role's credentials" in warnings[1]


def test_plaintext_database_connections_are_flagged_in_every_environment():
    for environment in ("prod", "dev"):
        warnings = warnings_of(f"name: dd\nenvironment: {environment}\nrds: {{force_ssl: false}}\n")
        assert [w.split(": ")[1] for w in warnings] == ["rds.force_ssl"]
        assert "connections without TLS" in warnings[0]


def test_turning_deletion_protection_off_is_flagged_only_in_prod():
    text = (
        "name: dd\nenvironment: {}\n"
        "eks: {{deletion_protection: false}}\nrds: {{deletion_protection: false}}\n"
    )
    warnings = warnings_of(text.format("prod"))
    assert [w.split(": ")[1] for w in warnings] == [
        "eks.deletion_protection",
        "rds.deletion_protection",
    ]
    assert all("deletion protection is off in prod" in w for w in warnings)
    assert warnings_of(text.format("dev")) == []
    assert warnings_of("name: dd\neks: {deletion_protection: true}\n") == []


def test_warnings_come_in_file_order():
    warnings = warnings_of("name: dd\nrds: {multi_az: false}\nvpc: {single_nat_gateway: true}\n")
    assert [w.split(": ")[1] for w in warnings] == ["rds.multi_az", "vpc.single_nat_gateway"]


def dated_warnings(text: str, day: str) -> list[str]:
    from datetime import date

    data, where = parse(text, "p.yaml")
    spec = validate_data(data, where, today=date.fromisoformat(day))
    return [str(w) for w in advise(spec, where, today=date.fromisoformat(day))]


def test_a_version_in_extended_support_warns_of_its_cost():
    (warning,) = [
        w
        for w in dated_warnings(
            'name: dd\neks: {cluster_version: "1.33", support_type: EXTENDED}\n', "2026-12-01"
        )
        if "cluster_version" in w
    ]
    assert warning == (
        "p.yaml:2:7: eks.cluster_version: warning: 1.33 is in extended support until "
        "2027-07-29, billed per cluster hour on top of standard support; upgrade one minor "
        "version at a time to 1.36"
    )


def test_sixty_days_before_standard_support_ends_the_upgrade_is_due():
    text = 'name: dd\neks: {cluster_version: "1.36"}\n'
    assert not [w for w in dated_warnings(text, "2027-06-02") if "cluster_version" in w]
    (warning,) = [w for w in dated_warnings(text, "2027-06-03") if "cluster_version" in w]
    assert "1.36 leaves standard support on 2027-08-02 (in 60 days): EKS then upgrades the " in (
        warning
    )
    assert warning.endswith("upgrade to 1.37 first")


def test_a_version_newer_than_the_calendar_is_let_through_with_a_warning():
    (warning,) = [
        w
        for w in dated_warnings('name: dd\neks: {cluster_version: "1.37"}\n', "2026-12-01")
        if "cluster_version" in w
    ]
    assert "1.37 is newer than litellm-cfn's EKS calendar (read 2026-12-01)" in warning


def test_a_private_api_nothing_can_reach_is_flagged_until_one_way_in_is_given():
    (warning,) = warnings_of("name: dd\nenvironment: dev\n", every=True)
    assert warning.startswith("p.yaml:1:1: eks.endpoint_public_access: warning: nothing can")
    for way_in in (
        "bastion: {enabled: true}\n",
        "eks: {private_access_cidrs: [10.100.0.0/16]}\n",
        "eks: {endpoint_public_access: true, public_access_cidrs: [203.0.113.0/24]}\n",
    ):
        assert warnings_of(f"name: dd\nenvironment: dev\n{way_in}", every=True) == [], way_in


def test_production_with_fewer_than_two_nodes_for_system_pods_is_flagged():
    text = (
        "name: dd\neks:\n  node_groups:\n    a: {desired_size: 1, min_size: 1}\n"
        "    gpu: {desired_size: 3, taints: [{key: g, effect: NO_SCHEDULE}]}\n"
    )
    assert [w for w in warnings_of(text) if "eks.node_groups" in w] == [
        "p.yaml:3:3: eks.node_groups: warning: 1 node for system pods in prod: CoreDNS, the "
        "EBS CSI controller and LiteLLM stop with it; run at least 2 untainted nodes"
    ]
    dev = text.replace("name: dd\n", "name: dd\nenvironment: dev\n")
    assert not [w for w in warnings_of(dev) if "eks.node_groups" in w]


def test_volumes_deleted_with_their_claims_are_flagged_in_prod():
    text = "name: dd\neks: {default_storage_class: {reclaim_policy: Delete}}\n"
    assert [w for w in warnings_of(text) if "reclaim_policy" in w] == [
        "p.yaml:2:31: eks.default_storage_class.reclaim_policy: warning: Delete in prod: "
        "deleting a claim (or its namespace, or a helm release) deletes the volume and its data"
    ]


def test_a_production_cache_without_failover_or_at_all_draws_a_warning():
    (single,) = warnings_of("name: dd\ncache: {multi_az: false}\n")
    assert single.startswith("p.yaml:2:9: cache.multi_az: warning: a cache without Multi-AZ")
    (none,) = warnings_of("name: dd\ncache: {enabled: false}\n")
    assert none.startswith("p.yaml:2:9: cache.enabled: warning: no cache in prod")
    assert warnings_of("name: dd\nenvironment: dev\ncache: {enabled: false}\n") == []


def test_a_restored_database_is_flagged_so_the_key_stays():
    text = "name: dd\nenvironment: dev\nrds:\n  restore_from_snapshot: final-dd\n"
    assert warnings_of(text) == [
        "p.yaml:4:3: rds.restore_from_snapshot: warning: keep this key in the spec: changing "
        "or removing it replaces the database (CloudFormation creates a new instance)"
    ]
    assert warnings_of("name: dd\nenvironment: dev\n") == []
