"""The fleet file's models: defaults, operation preferences, and every bad fleet refused with
its place, all problems at once."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import jsonschema
import pytest

from litellm_cfn.errors import SpecError
from litellm_cfn.fleet.load import LoadedFleet, load_fleet
from litellm_cfn.fleet.model import FleetSpec
from litellm_cfn.fleet.schema import fleet_schema
from litellm_cfn.spec.source import load
from tests.conftest import REPO

EXAMPLE = REPO / "specs" / "fleets" / "example.yaml"

# Two targets, the second in two accounts and two regions; no overlay, no waves.
GOOD = """\
spec: platform.yaml
targets:
  staging:
    accounts: ["111111111111"]
    regions: [us-east-1]
  production:
    accounts: ["111111111111", "222222222222"]
    regions: [us-east-1, eu-west-1]
"""


def write_fleet(folder: Path, text: str, name: str = "fleet.yaml") -> Path:
    """Write a fleet file (dedented) beside a copy of specs/platform.yaml."""
    if not (folder / "platform.yaml").exists():
        shutil.copy(REPO / "specs" / "platform.yaml", folder / "platform.yaml")
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def fleet_from(folder: Path, text: str) -> LoadedFleet:
    return load_fleet(write_fleet(folder, text))


def problems(folder: Path, text: str) -> list[str]:
    """The problem lines a fleet text gives, its folder left out of the file names."""
    with pytest.raises(SpecError) as caught:
        fleet_from(folder, text)
    return [str(problem).replace(f"{folder}/", "") for problem in caught.value.problems]


def test_a_fleet_of_targets_alone_takes_the_defaults(tmp_path):
    fleet = fleet_from(tmp_path, GOOD).fleet
    assert fleet.name is None
    assert fleet.permission_model == "SELF_MANAGED"
    assert fleet.permissions.administration_role_arn is None
    assert fleet.permissions.execution_role_name == "AWSCloudFormationStackSetExecutionRole"
    assert fleet.targets["production"].accounts == ("111111111111", "222222222222")
    assert fleet.targets["production"].organizational_units is None
    (wave,) = fleet.rollout_waves
    assert (wave.name, wave.targets) == ("all", ("staging", "production"))
    assert wave.operation_preferences() == {
        "MaxConcurrentCount": 1,
        "FailureToleranceCount": 0,
        "RegionConcurrencyType": "SEQUENTIAL",
        "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
    }


def test_percentages_and_a_region_order_become_the_apis_preferences(tmp_path):
    fleet = fleet_from(
        tmp_path,
        GOOD + "waves:\n  - {name: canary, targets: [staging]}\n"
        "  - name: rest\n    targets: [production]\n    max_concurrent: 50%\n"
        "    failure_tolerance: 10%\n    region_concurrency: PARALLEL\n"
        "    region_order: [eu-west-1, us-east-1]\n"
        "    concurrency_mode: SOFT_FAILURE_TOLERANCE\n",
    ).fleet
    assert [wave.name for wave in fleet.rollout_waves] == ["canary", "rest"]
    assert fleet.rollout_waves[1].operation_preferences() == {
        "MaxConcurrentPercentage": 50,
        "FailureTolerancePercentage": 10,
        "RegionConcurrencyType": "PARALLEL",
        "RegionOrder": ["eu-west-1", "us-east-1"],
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
    }


def test_an_organization_makes_the_stack_sets_service_managed(tmp_path):
    fleet = fleet_from(
        tmp_path,
        "spec: platform.yaml\norganization: {id: o-a1b2c3d4e5, call_as: DELEGATED_ADMIN}\n"
        "targets:\n  all:\n    organizational_units: [ou-ab12-abcd1234, r-ab12]\n"
        "    regions: [us-east-1]\n",
    ).fleet
    assert fleet.permission_model == "SERVICE_MANAGED"
    assert fleet.organization is not None
    assert (fleet.organization.auto_deployment, fleet.organization.call_as) == (
        True,
        "DELEGATED_ADMIN",
    )
    assert fleet.targets["all"].organizational_units == ("ou-ab12-abcd1234", "r-ab12")


TARGET = 'spec: platform.yaml\ntargets:\n  t:\n    accounts: ["111111111111"]\n'
BAD_FIELDS = [
    (
        TARGET.replace('["111111111111"]', "[111111111111]") + "    regions: [us-east-1]\n",
        "fleet.yaml:4:16: targets.t.accounts[0]: an account id must be quoted: YAML reads "
        '111111111111 as a number and drops leading zeros; write "111111111111"',
    ),
    (
        TARGET.replace('["111111111111"]', "[012345678901]") + "    regions: [us-east-1]\n",
        "fleet.yaml:4:16: targets.t.accounts[0]: an account id must be quoted: YAML reads "
        '12345678901 as a number and drops leading zeros; write "012345678901"',
    ),
    (
        TARGET.replace("111111111111", "1234") + "    regions: [us-east-1]\n",
        "fleet.yaml:4:16: targets.t.accounts[0]: '1234' is not an AWS account id (12 digits)",
    ),
    (TARGET, "fleet.yaml:3:3: targets.t.regions: required key is missing"),
    (TARGET + "    regions: []\n", "fleet.yaml:5:5: targets.t.regions: must not be empty"),
    (
        TARGET + "    regions: [us-east-1, us-east-1]\n",
        "fleet.yaml:5:26: targets.t.regions[1]: 'us-east-1' is listed twice",
    ),
    (
        TARGET + "    regions: [mars-1]\n",
        "fleet.yaml:5:15: targets.t.regions[0]: 'mars-1' is not an AWS region name such as "
        "us-east-1",
    ),
    (
        TARGET + "    regions: [us-east-1]\n    acounts: []\n",
        "fleet.yaml:6:5: targets.t.acounts: unknown key; did you mean 'accounts'?",
    ),
    (
        TARGET.replace("  t:", "  Prod_1:") + "    regions: [us-east-1]\n",
        "fleet.yaml:3:3: targets.Prod_1: key: 'Prod_1' is not a target name: 1 to 32 "
        "lowercase letters, digits and single hyphens",
    ),
    ("spec: platform.yaml\ntargets: {}\n", "fleet.yaml:2:1: targets: must not be empty"),
    ("targets:\n  t: {regions: [us-east-1]}\n", "fleet.yaml:1:1: spec: required key is missing"),
    (
        TARGET + "    regions: [us-east-1]\nname: 1st-fleet\n",
        "fleet.yaml:6:1: name: '1st-fleet' is not a stack set name: a letter, then letters, "
        "digits and hyphens, 128 at most",
    ),
    (
        TARGET + "    regions: [us-east-1]\norganization: {id: o-1}\n",
        "fleet.yaml:6:16: organization.id: 'o-1' is not an organization id such as o-a1b2c3d4e5",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves: []\n",
        "fleet.yaml:6:1: waves: must not be empty",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: []}\n",
        "fleet.yaml:7:15: waves[0].targets: must not be empty",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: [t, t]}\n",
        "fleet.yaml:7:28: waves[0].targets[1]: 't' is listed twice",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: [t], "
        "max_concurrent: 0}\n",
        "fleet.yaml:7:29: waves[0].max_concurrent: must be >= 1, got 0",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: [t], "
        "max_concurrent: 150%}\n",
        "fleet.yaml:7:29: waves[0].max_concurrent: must be a number of accounts (>= 1) or a "
        "percentage from 1% to 100% such as '50%', got '150%'",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: [t], "
        "failure_tolerance: true}\n",
        "fleet.yaml:7:29: waves[0].failure_tolerance: must be a number of accounts (>= 0) or "
        "a percentage from 0% to 100% such as '50%', got True",
    ),
    (
        TARGET + "    regions: [us-east-1]\nwaves:\n  - {name: a, targets: [t], "
        "concurrency_mode: STRICT}\n",
        "fleet.yaml:7:29: waves[0].concurrency_mode: must be one of "
        "'STRICT_FAILURE_TOLERANCE' or 'SOFT_FAILURE_TOLERANCE', got 'STRICT'",
    ),
]


@pytest.mark.parametrize("text, expected", BAD_FIELDS)
def test_a_bad_value_is_refused_where_it_is_written(tmp_path, text, expected):
    assert problems(tmp_path, text) == [expected]


def test_every_problem_of_a_fleet_is_reported_at_once(tmp_path):
    found = problems(
        tmp_path,
        """\
        spec: platform.yaml
        targets:
          staging:
            accounts: [111111111111]
            regions: [us-east-1, us-east-1]
          production:
            acounts: ["111111111111"]
            regions: [eu-west-1]
        """,
    )
    assert found == [
        "fleet.yaml:4:16: targets.staging.accounts[0]: an account id must be quoted: YAML "
        'reads 111111111111 as a number and drops leading zeros; write "111111111111"',
        "fleet.yaml:5:26: targets.staging.regions[1]: 'us-east-1' is listed twice",
        "fleet.yaml:7:5: targets.production.acounts: unknown key; did you mean 'accounts'?",
    ]


def test_the_fleet_must_be_a_mapping(tmp_path):
    assert problems(tmp_path, "") == [
        "fleet.yaml:1:1: the file is empty: a fleet needs `spec:` and `targets:`"
    ]
    assert problems(tmp_path, "- spec\n") == [
        "fleet.yaml:1:1: the fleet file is not a mapping: a fleet needs `spec:` and `targets:`"
    ]


def test_the_committed_schema_is_the_generated_one():
    committed = json.loads((REPO / "specs" / "fleets" / "fleet.schema.json").read_text())
    assert committed == fleet_schema()


def test_the_example_satisfies_the_json_schema_and_names_it():
    jsonschema.validate(load(EXAMPLE)[0], fleet_schema())
    assert EXAMPLE.read_text().startswith("# yaml-language-server: $schema=./fleet.schema.json")


@pytest.mark.parametrize(
    "document",
    [
        {"spec": "p.yaml", "targets": {"a": {"accounts": [111111111111], "regions": ["x"]}}},
        {"spec": "p.yaml", "targets": {"a": {"regions": ["us-east-1"], "other": 1}}},
        {"spec": "p.yaml", "targets": {}},
        {
            "spec": "p.yaml",
            "targets": {"a": {"regions": ["us-east-1"]}},
            "waves": [{"name": "w", "targets": ["a"], "max_concurrent": "0%"}],
        },
    ],
)
def test_the_json_schema_refuses_what_the_loader_refuses(document):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, fleet_schema())


def test_fleet_specs_are_immutable(tmp_path):
    fleet = fleet_from(tmp_path, GOOD).fleet
    assert FleetSpec.model_validate(fleet.model_dump()) == fleet
    with pytest.raises(ValueError):
        fleet.name = "other"  # type: ignore[misc]


ORGANIZATION = "organization: {id: o-a1b2c3d4e5}\n"
RULES = [
    (
        ORGANIZATION + TARGET + "    regions: [us-east-1]\n",
        [
            "fleet.yaml:5:5: targets.t.accounts: service-managed permissions (organization is "
            "set) deploy to organizational units, not accounts: give those"
        ],
    ),
    (
        ORGANIZATION + "spec: platform.yaml\ntargets:\n  t: {regions: [us-east-1]}\n",
        [
            "fleet.yaml:4:3: targets.t: needs organizational_units: service-managed permissions "
            "(organization is set) deploy to organizational units"
        ],
    ),
    (
        "spec: platform.yaml\ntargets:\n  t:\n    organizational_units: [ou-ab12-abcd1234]\n"
        "    regions: [us-east-1]\n",
        [
            "fleet.yaml:4:5: targets.t.organizational_units: self-managed permissions (no "
            "organization) deploy to accounts, not organizational units: give accounts, or set "
            "organization for service-managed permissions"
        ],
    ),
    (
        "spec: platform.yaml\ntargets:\n  t: {regions: [us-east-1]}\n",
        [
            "fleet.yaml:3:3: targets.t: needs accounts: self-managed permissions (no "
            "organization) deploy to accounts"
        ],
    ),
    (
        ORGANIZATION + "permissions: {execution_role_name: Deployer}\nspec: platform.yaml\n"
        "targets:\n  t: {organizational_units: [r-ab12], regions: [us-east-1]}\n",
        [
            "fleet.yaml:2:1: permissions: service-managed permissions (organization is set) use "
            "the roles AWS Organizations makes: remove permissions, or organization for "
            "self-managed ones"
        ],
    ),
    (
        GOOD + "waves:\n  - {name: canary, targets: [stagin]}\n"
        "  - {name: canary, targets: [production, prodution]}\n",
        [
            "fleet.yaml:3:3: targets.staging: is in no wave: add it to one wave's targets (each "
            "target deploys in exactly one wave)",
            "fleet.yaml:10:30: waves[0].targets[0]: no target is named 'stagin'; did you mean "
            "'staging'?",
            "fleet.yaml:11:6: waves[1].name: 'canary' names an earlier wave too",
            "fleet.yaml:11:42: waves[1].targets[1]: no target is named 'prodution'; did you mean "
            "'production'?",
        ],
    ),
    (
        GOOD + "waves:\n  - {name: a, targets: [staging, production]}\n"
        "  - {name: b, targets: [production]}\n",
        [
            "fleet.yaml:11:25: waves[1].targets[0]: 'production' is in wave 'a' already: each "
            "target deploys in exactly one wave"
        ],
    ),
    (
        GOOD + "waves:\n  - {name: a, targets: [staging, production], max_concurrent: 2,\n"
        "     region_order: [eu-west-1, ap-south-1]}\n",
        [
            "fleet.yaml:10:47: waves[0].max_concurrent: must be at most failure_tolerance + 1 (1) "
            "with concurrency_mode STRICT_FAILURE_TOLERANCE (AWS's default): lower it, raise "
            "failure_tolerance, or set concurrency_mode: SOFT_FAILURE_TOLERANCE",
            "fleet.yaml:11:32: waves[0].region_order[1]: 'ap-south-1' is not a region of this "
            "wave's targets (eu-west-1, us-east-1)",
        ],
    ),
    (
        GOOD.replace(
            "regions: [us-east-1]\n",
            "regions: [us-east-1]\n    overlay:\n"
            "      region: eu-west-1\n      catalog: null\n      eks: {}\n"
            "      eks.cluster_name: x\n",
        ),
        [
            "fleet.yaml:7:7: targets.staging.overlay[region]: may not be overlaid: a target's "
            "regions come from its `regions`",
            "fleet.yaml:8:7: targets.staging.overlay[catalog]: may not be overlaid: the catalog "
            "is published once, from the spec itself",
            "fleet.yaml:10:7: targets.staging.overlay[eks.cluster_name]: overlaps 'eks', also in "
            "this overlay: set one or the other",
        ],
    ),
    (
        f"name: {'a' * 100}\n"
        + GOOD.replace(
            "    regions: [us-east-1]\n",
            "    regions: [us-east-1]\n    overlay: {environment: staging}\n",
        ).replace("staging:", f"{'s' * 30}:", 1),
        [
            f"fleet.yaml:4:3: targets.{'s' * 30}: its stack set's name, <name>-{'s' * 30}, "
            "would have 131 characters, over the 128 StackSets allows: shorten name"
        ],
    ),
]


@pytest.mark.parametrize("text, expected", RULES)
def test_a_rule_across_targets_and_waves_is_refused_at_its_place(tmp_path, text, expected):
    assert problems(tmp_path, text) == expected


def test_soft_failure_tolerance_lets_more_accounts_deploy_at_once(tmp_path):
    fleet = fleet_from(
        tmp_path,
        GOOD + "waves:\n  - {name: a, targets: [staging, production], max_concurrent: 5,\n"
        "     concurrency_mode: SOFT_FAILURE_TOLERANCE}\n",
    ).fleet
    assert fleet.rollout_waves[0].operation_preferences()["MaxConcurrentCount"] == 5
    tolerant = fleet_from(
        tmp_path,
        GOOD + "waves:\n  - {name: a, targets: [staging, production], max_concurrent: 3,\n"
        "     failure_tolerance: 2}\n",
    ).fleet
    assert tolerant.rollout_waves[0].operation_preferences()["MaxConcurrentCount"] == 3
