"""`fleet validate` and `fleet schema` as a user meets them: output, exit codes, and never a
traceback."""

from __future__ import annotations

import json

from click.testing import CliRunner

from litellm_cfn.cli import cli
from tests.conftest import REPO
from tests.fleet.test_fleet_model import GOOD, write_fleet


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_validate_prints_each_stack_set_its_targets_and_the_waves(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run("fleet", "validate", "specs/fleets/example.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "specs/fleets/example.yaml: valid: 2 stack sets of specs/platform.yaml, self-managed "
        "permissions",
        "",
        "stack set litellm: platform litellm-prod in us-east-1: EKS litellm-eks (Kubernetes "
        "1.36, 1 node group), RDS db.t3.medium Multi-AZ, bastion off",
        "  production: accounts 111111111111, 222222222222 x regions us-east-1, eu-west-1",
        "",
        "stack set litellm-staging: platform litellm-staging in us-east-1: EKS "
        "litellm-staging-eks (Kubernetes 1.36, 1 node group), RDS db.t3.small Multi-AZ, "
        "bastion off",
        "  staging: accounts 111111111111 x regions us-east-1",
        "",
        "waves, in order:",
        "  1. canary: staging; max_concurrent 1, failure_tolerance 0, regions SEQUENTIAL, "
        "STRICT_FAILURE_TOLERANCE",
        "  2. rest: production; max_concurrent 50%, failure_tolerance 0, regions SEQUENTIAL "
        "(us-east-1 then eu-west-1), SOFT_FAILURE_TOLERANCE",
    ]
    assert result.stderr == ""


def test_validate_names_organizational_units_of_a_service_managed_fleet(tmp_path):
    path = write_fleet(
        tmp_path,
        "spec: platform.yaml\norganization: {id: o-a1b2c3d4e5}\ntargets:\n"
        "  all: {organizational_units: [ou-ab12-abcd1234], regions: [eu-west-1]}\n",
    )
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert "service-managed permissions" in result.stdout.splitlines()[0]
    assert "  all: organizational units ou-ab12-abcd1234 x regions eu-west-1" in result.stdout


def test_a_bad_fleet_exits_2_with_every_problem_located_and_no_traceback(tmp_path):
    text = GOOD.replace('["111111111111"]', "[111111111111]", 1) + (
        "waves:\n  - {name: canary, targets: [staging, prod], max_concurrent: 0}\n"
    )
    path = write_fleet(tmp_path, text)
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:4:16: targets.staging.accounts[0]: an account id must be quoted: YAML reads "
        '111111111111 as a number and drops leading zeros; write "111111111111"',
        f"{path}:10:46: waves[0].max_concurrent: must be >= 1, got 0",
        f"2 problems in {path}",
    ]


def test_an_overlay_problem_exits_2_located_in_the_fleet_file(tmp_path):
    text = GOOD.replace(
        "    regions: [us-east-1]\n",
        "    regions: [us-east-1]\n    overlay:\n      rds.instance_classs: db.t3.small\n"
        "      region: eu-west-1\n",
        1,
    )
    path = write_fleet(tmp_path, text)
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:8:7: targets.staging.overlay[region]: may not be overlaid: a target's regions "
        "come from its `regions`",
        f"1 problem in {path}",
    ]
    path.write_text(text.replace("      region: eu-west-1\n", ""))
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:7:7: targets.staging.overlay[rds.instance_classs]: unknown key; did you mean "
        "'instance_class'?",
        f"1 problem in {path}",
    ]


def test_a_missing_fleet_file_exits_2(tmp_path):
    result = run("fleet", "validate", str(tmp_path / "fleet.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{tmp_path}/fleet.yaml: no such file (pass the fleet file's path, e.g. "
        "`litellm-cfn fleet validate specs/fleets/example.yaml`)\n"
    )


def test_schema_prints_the_committed_json_schema():
    result = run("fleet", "schema")
    assert result.exit_code == 0
    committed = (REPO / "specs" / "fleets" / "fleet.schema.json").read_text()
    assert json.loads(result.stdout) == json.loads(committed)
    assert result.stdout == committed


def test_help_shows_examples():
    result = run("fleet", "--help")
    assert result.exit_code == 0
    assert "litellm-cfn fleet validate specs/fleets/example.yaml" in result.stdout
    assert "Example" in run("fleet", "validate", "--help").stdout
    assert "Example" in run("fleet", "schema", "--help").stdout


def test_names_two_variants_would_both_claim_are_refused_at_the_target(tmp_path):
    text = (
        "spec: platform.yaml\nname: litellm\ntargets:\n"
        '  prod: {accounts: ["111111111111"], regions: [us-east-1]}\n'
        "  staging:\n"
        '    accounts: ["111111111111"]\n'
        "    regions: [us-east-1]\n"
        "    overlay: {environment: staging}\n"
    )
    path = write_fleet(tmp_path, text)
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 2
    problems = result.stderr.splitlines()
    assert problems[-1] == f"2 problems in {path}"
    assert all(line.startswith(f"{path}:5:3: targets.staging: ") for line in problems[:-1])
    assert "litellm-eks" in problems[0] and "overlay `eks.cluster_name`" in problems[0]


def test_a_place_given_twice_in_one_stack_set_is_refused(tmp_path):
    text = (
        "spec: platform.yaml\ntargets:\n"
        '  a: {accounts: ["111111111111"], regions: [us-east-1]}\n'
        '  b: {accounts: ["111111111111"], regions: [us-east-1, eu-west-1]}\n'
    )
    result = run("fleet", "validate", str(write_fleet(tmp_path, text)))
    assert result.exit_code == 2
    assert (
        "targets.b: 111111111111/us-east-1 is also in target a, of the same stack set "
        "litellm-prod: StackSets runs one instance per account and region; give it once"
    ) in result.stderr


def test_a_percentage_that_strict_tolerance_caps_is_a_located_warning(tmp_path):
    text = (
        "spec: platform.yaml\ntargets:\n"
        '  prod: {accounts: ["111111111111"], regions: [us-east-1]}\n'
        "waves:\n  - {name: all, targets: [prod], max_concurrent: 50%}\n"
    )
    path = write_fleet(tmp_path, text)
    result = run("fleet", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{path}:5:34: waves[0].max_concurrent: warning: with concurrency_mode "
        "STRICT_FAILURE_TOLERANCE (AWS's default), AWS deploys at most failure_tolerance + 1 "
        "(1) accounts at once per region, whatever 50% says; set concurrency_mode: "
        "SOFT_FAILURE_TOLERANCE for 50%"
    ]
