"""`outputs`, `kube` and `drift` addressing one fleet target: the variant the fleet runs
there, and the root stack StackSets made for it (`StackSet-<stack set>-<uuid>`), found in the
target account with that account's credentials. The stacks are made in moto as StackSets
names them (moto's own stack instances use another name)."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.deploy.flow import Target
from litellm_cfn.errors import InputError
from litellm_cfn.fleet.address import parse_place, variant_at
from litellm_cfn.fleet.load import load_fleet
from tests.conftest import REPO
from tests.kube.platform import OUTPUTS, deploy_outputs_stack

EXAMPLE = REPO / "specs" / "fleets" / "example.yaml"
OWN = "123456789012"  # the account moto's credentials are in
FLEET = f"""\
spec: platform.yaml
name: litellm
targets:
  production:
    accounts: ["{OWN}", "222222222222"]
    regions: [us-east-1]
  staging:
    accounts: ["{OWN}"]
    regions: [us-east-1]
    overlay:
      environment: staging
      eks.cluster_name: litellm-staging-eks
"""


@pytest.fixture
def fleet_file(aws, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    (tmp_path / "fleet.yaml").write_text(FLEET)
    return tmp_path / "fleet.yaml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_place_is_account_slash_region():
    assert parse_place("111111111111/eu-west-1") == ("111111111111", "eu-west-1")
    for bad in ("111111111111", "1111/eu-west-1", "111111111111/europe"):
        with pytest.raises(InputError, match="--fleet-target takes ACCOUNT/REGION"):
            parse_place(bad)


def test_the_variant_at_a_place_and_when_to_name_the_stack_set():
    loaded = load_fleet(EXAMPLE)
    assert variant_at(loaded, "222222222222", "eu-west-1", None).stack_set_name == "litellm"
    named = variant_at(loaded, "111111111111", "us-east-1", "litellm-staging")
    assert named.spec.environment == "staging"
    with pytest.raises(InputError, match="runs litellm, litellm-staging: say which with"):
        variant_at(loaded, "111111111111", "us-east-1", None)
    with pytest.raises(InputError, match="deploys nothing to 333333333333/us-east-1"):
        variant_at(loaded, "333333333333", "us-east-1", None)


def test_outputs_and_kube_read_the_stack_instance_of_the_target(fleet_file, tmp_path):
    deploy_outputs_stack(f"StackSet-litellm-staging-{uuid.uuid4()}", {"ClusterName": "other"})
    deploy_outputs_stack(f"StackSet-litellm-{uuid.uuid4()}")
    where = f"{OWN}/us-east-1"
    result = run(
        "outputs", str(fleet_file), "--fleet-target", where, "--stack-set", "litellm",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == OUTPUTS
    kube = run(
        "kube", str(fleet_file), "--fleet-target", where, "--stack-set", "litellm",
        "--out", str(tmp_path / "k8s"),
    )  # fmt: skip
    assert kube.exit_code == 0, kube.output
    assert (tmp_path / "k8s" / "litellm-values.yaml").exists()


def test_another_accounts_credentials_are_refused_before_any_stack_is_read(fleet_file):
    result = run("outputs", str(fleet_file), "--fleet-target", "222222222222/us-east-1")
    assert result.exit_code == 2
    assert (
        f"the credentials are for account {OWN}, the fleet target is 222222222222: pass "
        "--profile (or set AWS_PROFILE) for the target account"
    ) in result.output


def test_a_target_with_no_stack_instance_yet_says_where_to_look(fleet_file):
    result = run("outputs", str(fleet_file), "--fleet-target", f"{OWN}/us-east-1",
                 "--stack-set", "litellm-staging")  # fmt: skip
    assert result.exit_code == 1
    assert "no stack of stack set litellm-staging in" in result.output
    assert "`litellm-cfn fleet status` shows where each instance runs" in result.output


def test_stack_set_and_region_need_a_fleet_target_or_give_way_to_it(fleet_file):
    alone = run("outputs", str(fleet_file), "--stack-set", "litellm")
    assert alone.exit_code == 2 and "--stack-set goes with --fleet-target" in alone.output
    both = run("drift", str(fleet_file), "--fleet-target", f"{OWN}/us-east-1", "--region", "x")
    assert both.exit_code == 2 and "the region is the target's" in both.output


def test_a_target_names_its_root_stack_for_drift():
    fields = dict.fromkeys(Target.__dataclass_fields__, None)
    spec = load_fleet(EXAMPLE).base
    addressed = Target(**(fields | {"spec": spec, "root_stack": "StackSet-litellm-1"}))
    assert addressed.stack_name == "StackSet-litellm-1"
    assert Target(**(fields | {"spec": spec})).stack_name == "litellm-prod"


def test_kube_from_an_outputs_file_needs_no_aws_for_a_fleet_target(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    (tmp_path / "fleet.yaml").write_text(FLEET)
    (tmp_path / "outputs.json").write_text(json.dumps(OUTPUTS))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    result = run(
        "kube", "fleet.yaml", "--fleet-target", f"{OWN}/us-east-1", "--stack-set",
        "litellm-staging", "--outputs", "outputs.json", "--out", "k8s",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "k8s" / "kube-manifest.json").read_text())
    assert manifest["platform"] == "litellm-staging"  # the staging variant's hand-off
