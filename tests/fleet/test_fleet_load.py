"""Loading a fleet: the spec it names, one variant per stack set, overlays set over the spec,
and each problem located where its value was written, the fleet file or the spec."""

from __future__ import annotations

import pytest

from litellm_cfn.errors import InputError, SpecError
from litellm_cfn.fleet.load import load_fleet
from litellm_cfn.spec import load_spec
from litellm_cfn.spec.lock import Lock, lock_path, render_lock
from tests.conftest import REPO
from tests.fleet.test_fleet_model import EXAMPLE, GOOD, fleet_from, problems, write_fleet

PLATFORM = REPO / "specs" / "platform.yaml"


def overlaid(overlay: str) -> str:
    """GOOD with an overlay on its staging target; `overlay`'s lines start at line 7."""
    return GOOD.replace(
        "    regions: [us-east-1]\n", f"    regions: [us-east-1]\n    overlay:\n{overlay}", 1
    )


def test_the_example_is_two_stack_sets_a_staging_canary_and_the_platform():
    loaded = load_fleet(EXAMPLE)
    assert loaded.spec_path == REPO / "specs" / "platform.yaml"
    assert loaded.base == load_spec(PLATFORM).spec
    assert [(v.stack_set_name, v.targets) for v in loaded.variants] == [
        ("litellm", ("production",)),
        ("litellm-staging", ("staging",)),
    ]
    assert loaded.variant_of("production").spec == loaded.base
    staging = loaded.variant_of("staging").spec
    assert (staging.environment, staging.cluster_name) == ("staging", "litellm-staging-eks")
    assert staging.rds.instance_class == "db.t3.small"
    assert staging.eks.node_groups["default"].max_size == 3
    unchanged = staging.model_copy(
        update={
            "environment": "prod",
            "eks": staging.eks.model_copy(
                update={"cluster_name": None, "node_groups": loaded.base.eks.node_groups}
            ),
            "rds": staging.rds.model_copy(update={"instance_class": "db.t3.medium"}),
        }
    )
    assert unchanged == loaded.base
    assert [wave.name for wave in loaded.fleet.rollout_waves] == ["canary", "rest"]


def test_targets_without_an_overlay_share_the_spec_named_after_it(tmp_path):
    loaded = fleet_from(tmp_path, GOOD)
    (variant,) = loaded.variants
    assert (variant.stack_set_name, variant.targets) == ("litellm-prod", ("staging", "production"))
    assert loaded.spec_path == tmp_path / "platform.yaml"
    with pytest.raises(KeyError):
        loaded.variant_of("nowhere")


def test_a_fleet_of_overlaid_targets_has_no_stack_set_of_the_spec_itself(tmp_path):
    text = overlaid("      rds.instance_class: db.t3.small\n").replace(
        "regions: [us-east-1, eu-west-1]\n",
        "regions: [us-east-1, eu-west-1]\n    overlay: {rds.multi_az: false}\n",
    )
    loaded = fleet_from(tmp_path, "name: ml\n" + text)
    assert [(v.stack_set_name, v.targets) for v in loaded.variants] == [
        ("ml-staging", ("staging",)),
        ("ml-production", ("production",)),
    ]
    assert loaded.variant_of("production").spec.rds.multi_az is False
    assert loaded.variant_of("production").spec.rds.instance_class == "db.t3.medium"


def test_an_overlay_below_what_the_spec_leaves_out_keeps_the_defaults(tmp_path):
    (tmp_path / "platform.yaml").write_text("name: demo\n")
    loaded = fleet_from(
        tmp_path, overlaid("      eks.node_groups.default.max_size: 10\n      tags.team: ml\n")
    )
    spec = loaded.variant_of("staging").spec
    group = loaded.base.eks.node_groups["default"].model_copy(update={"max_size": 10})
    assert spec.eks == loaded.base.eks.model_copy(update={"node_groups": {"default": group}})
    assert spec.tags == {"team": "ml"}


def test_an_overlay_typo_is_located_in_the_fleet_file(tmp_path):
    assert problems(tmp_path, overlaid("      rds.instance_classs: db.t3.small\n")) == [
        "fleet.yaml:7:7: targets.staging.overlay[rds.instance_classs]: unknown key; did you "
        "mean 'instance_class'?"
    ]


def test_an_overlays_bad_value_is_located_at_its_key(tmp_path):
    assert problems(
        tmp_path,
        overlaid(
            "      eks.node_groups.default.max_size: 0\n      rds.instance_class: 7\n"
            "      eks.node_groups.default.min_size: 9\n"
        ),
    ) == [
        "fleet.yaml:7:7: targets.staging.overlay[eks.node_groups.default.max_size]: must be "
        ">= 1, got 0",
        "fleet.yaml:8:7: targets.staging.overlay[rds.instance_class]: must be a string, got an "
        "integer (7)",
    ]
    assert problems(tmp_path, overlaid("      eks.node_groups.default.min_size: 9\n")) == [
        "fleet.yaml:7:7: targets.staging.overlay[eks.node_groups.default.min_size]: must be "
        "<= max_size (6)"
    ]


def test_a_value_below_an_overlaid_mapping_is_located_below_its_key(tmp_path):
    text = overlaid("      eks.node_groups.default:\n        max_size: 0\n")
    assert problems(tmp_path, text) == [
        "fleet.yaml:8:9: targets.staging.overlay[eks.node_groups.default].max_size: must be >= "
        "1, got 0"
    ]


def test_a_rule_an_overlay_breaks_in_the_spec_names_the_target(tmp_path):
    assert problems(tmp_path, overlaid("      eks.node_groups.default.max_size: 1\n")) == [
        "platform.yaml:55:7: eks.node_groups.default.min_size: in target staging: must be <= "
        "max_size (1)"
    ]


def test_keys_an_overlay_cannot_set_are_refused_with_the_others_problems(tmp_path):
    text = overlaid(
        "      rdss.instance_class: x\n      eks.node_groups.defualt.max_size: 3\n"
        "      vpc.cidr.size: 1\n      eks.node_groups.default.instance_types.0: m5.large\n"
        "      rds.multi_az: maybe\n"
    )
    assert problems(tmp_path, text) == [
        "fleet.yaml:7:7: targets.staging.overlay[rdss.instance_class]: unknown key 'rdss'; did "
        "you mean 'rds'?",
        "fleet.yaml:8:7: targets.staging.overlay[eks.node_groups.defualt.max_size]: the spec "
        "has no 'defualt' in 'eks.node_groups'; did you mean 'default'? (to add one, overlay "
        "'eks.node_groups.defualt' whole)",
        "fleet.yaml:9:7: targets.staging.overlay[vpc.cidr.size]: 'vpc.cidr' is a string in the "
        "spec, not a mapping: overlay 'vpc.cidr' whole",
        "fleet.yaml:10:7: targets.staging.overlay[eks.node_groups.default.instance_types.0]: "
        "'eks.node_groups.default.instance_types' is a list in the spec, not a mapping: "
        "overlay 'eks.node_groups.default.instance_types' whole",
        "fleet.yaml:11:7: targets.staging.overlay[rds.multi_az]: must be true or false, got a "
        "string ('maybe')",
    ]


def test_a_new_entry_is_overlaid_whole(tmp_path):
    text = overlaid(
        "      eks.node_groups.gpu: {instance_types: [g5.xlarge], min_size: 0, desired_size: 0,"
        " max_size: 2}\n"
    )
    spec = fleet_from(tmp_path, text).variant_of("staging").spec
    assert sorted(spec.eks.node_groups) == ["default", "gpu"]


def test_every_target_is_checked_and_the_fleets_problems_come_first(tmp_path):
    text = overlaid("      eks.node_groups.default.max_size: 1\n").replace(
        "regions: [us-east-1, eu-west-1]\n",
        "regions: [us-east-1, eu-west-1]\n    overlay: {rds.instance_class: 7}\n",
    )
    assert problems(tmp_path, text) == [
        "fleet.yaml:11:15: targets.production.overlay[rds.instance_class]: must be a string, "
        "got an integer (7)",
        "platform.yaml:55:7: eks.node_groups.default.min_size: in target staging: must be <= "
        "max_size (1)",
    ]


def test_an_invalid_spec_reports_its_own_problems_as_validate_does(tmp_path):
    (tmp_path / "platform.yaml").write_text("name: Bad\nvpc: {az_count: 9}\n")
    found = problems(tmp_path, overlaid("      rds.instance_classs: x\n"))
    with pytest.raises(SpecError) as alone:
        load_spec(tmp_path / "platform.yaml")
    assert found == [str(p).replace(f"{tmp_path}/", "") for p in alone.value.problems]
    assert found[0].startswith("platform.yaml:1:1: name: 'Bad' is not a platform name")


def test_a_spec_that_is_not_there_is_a_problem_of_the_spec_key(tmp_path):
    assert problems(tmp_path, GOOD.replace("spec: platform.yaml", "spec: ../nowhere.yaml")) == [
        f"fleet.yaml:1:1: spec: {tmp_path.parent}/nowhere.yaml: no such file (`spec` is "
        "relative to the fleet file's folder)"
    ]


def test_a_fleet_file_that_is_not_there_says_how_to_name_one(tmp_path):
    with pytest.raises(InputError, match=r"no such file \(pass the fleet file's path"):
        load_fleet(tmp_path / "fleet.yaml")


def test_availability_zones_keep_a_target_in_the_specs_region(tmp_path):
    text = overlaid("      vpc.availability_zones: [us-east-1a, us-east-1b, us-east-1c]\n")
    assert fleet_from(tmp_path, text).variant_of("staging").spec.vpc.availability_zones
    spread = text.replace("regions: [us-east-1]\n", "regions: [us-east-1, eu-west-1]\n", 1)
    assert problems(tmp_path, spread) == [
        "fleet.yaml:5:5: targets.staging.regions: vpc.availability_zones names zones of "
        "us-east-1, the spec's region, so this target deploys there alone, not to eu-west-1; "
        "leave availability_zones empty to use each region's first zones"
    ]


def test_the_specs_lock_pins_every_variants_add_ons(tmp_path):
    write_fleet(tmp_path, GOOD)
    lock = Lock(kubernetes_version="1.36", addons={"coredns": "v1.12.4-eksbuild.1"})
    lock_path(tmp_path / "platform.yaml").write_text(render_lock(lock))
    loaded = fleet_from(tmp_path, overlaid("      rds.instance_class: db.t3.small\n"))
    for variant in loaded.variants:
        assert variant.spec.eks.addons["coredns"].version == "v1.12.4-eksbuild.1"
    assert problems(tmp_path, overlaid('      eks.cluster_version: "1.35"\n')) == [
        "fleet.yaml:7:7: targets.staging.overlay[eks.cluster_version]: the spec's lock, "
        "platform.lock.json, pins add-on versions for Kubernetes 1.36: a target may not "
        "change it"
    ]
