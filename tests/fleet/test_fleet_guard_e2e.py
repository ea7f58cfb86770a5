"""A fleet change that would replace the database, against the local moto server: refused
before anything changes unless `--allow-replace` names it.

The whole platform is used here (the review needs the RDS stack); moto cannot create its
instances, so the running stack set is made directly, as a previous rollout of the same
platform would have left it, without instances: the refusal comes before any operation."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.changesets import CAPABILITIES
from litellm_cfn.deploy.package import package
from litellm_cfn.fleet.stacksets import describe
from litellm_cfn.spec import load_spec
from tests.aws import REGION
from tests.conftest import REPO
from tests.fleet.moto_fleet import BUCKET, A

FLEET = f"""\
spec: platform.yaml
name: litellm
targets:
  production:
    accounts: ["{A}"]
    regions: [us-east-1]
"""


@pytest.fixture
def running_fleet(fleet_folder: Path) -> Path:
    """The stack set `litellm` running specs/platform.yaml, and a fleet file for it; the
    artifacts bucket lets the target accounts read it."""
    s3 = boto3.client("s3", region_name=REGION)
    spec = load_spec(fleet_folder / "platform.yaml").spec
    packaged = package(compile_platform(spec), s3, BUCKET, REGION, spec.stack_name)
    boto3.client("cloudformation", region_name=REGION).create_stack_set(
        StackSetName="litellm",
        Description=describe("litellm", "litellm", packaged.root_sha256),
        TemplateBody=str(packaged.root_body),
        Capabilities=CAPABILITIES,
        PermissionModel="SELF_MANAGED",
    )
    (fleet_folder / "fleet.yaml").write_text(FLEET)
    return fleet_folder / "fleet.yaml"


def rename_database(folder: Path) -> None:
    """`rds.database_name` is create-only on the instance (DBName): a new one replaces it."""
    spec = folder / "platform.yaml"
    spec.write_text(spec.read_text().replace("database_name: litellm", "database_name: gateway"))


def run(*args: str):
    return CliRunner().invoke(cli, ["fleet", *args])


def stored_template() -> str:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return str(cfn.describe_stack_set(StackSetName="litellm")["StackSet"]["TemplateBody"])


def test_a_change_that_would_replace_the_database_is_refused_without_allow_replace(
    running_fleet,
):
    rename_database(running_fleet.parent)
    before = stored_template()
    result = run("deploy", str(running_fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 1
    assert "DATA AT RISK (refused unless --allow-replace names each):" in result.output
    assert "Modify litellm/RdsStack/Database (AWS::RDS::DBInstance) because of DBName" in (
        result.output
    )
    assert (
        "refusing to roll out: the new templates would remove or replace data "
        "(litellm/RdsStack/Database); if that is intended, run again with "
        "--allow-replace Database"
    ) in result.output
    assert "wave" not in result.output.split("refusing")[1]
    assert stored_template() == before


def test_naming_the_database_lets_the_rollout_go_on_to_the_question(running_fleet):
    rename_database(running_fleet.parent)
    result = run(
        "deploy", str(running_fleet), "--artifact-bucket", BUCKET,
        "--allow-replace", "litellm/RdsStack/Database",
    )  # fmt: skip
    assert result.exit_code == 3  # stopped for approval: no terminal, no --yes
    assert "refusing" not in result.output


def test_an_unchanged_platform_is_no_change_even_with_its_whole_review_possible(running_fleet):
    result = run("diff", str(running_fleet), "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    assert "stack set litellm: template unchanged" in result.output
    assert f"litellm: create {A}/{REGION}" in result.output
    assert "DATA AT RISK" not in result.output


def readme_fleet_diff() -> str:
    """The output of `fleet diff specs/fleets/example.yaml` the README shows."""
    readme = (REPO / "README.md").read_text()
    start = readme.index("`fleet diff specs/fleets/example.yaml`, run against the local moto")
    block = readme[start:].split("```\n", 2)[1]
    return block


def test_fleet_diff_of_the_example_works_against_moto_as_the_readme_shows(fleet_folder):
    result = run(
        "diff", str(REPO / "specs" / "fleets" / "example.yaml"), "--artifact-bucket", BUCKET
    )
    assert result.exit_code == 0, result.output
    assert result.output.replace(BUCKET, "ARTIFACTS") == readme_fleet_diff()


def test_allowing_what_no_stateful_resource_is_named_is_bad_input(running_fleet):
    rename_database(running_fleet.parent)
    result = run(
        "deploy", str(running_fleet), "--yes", "--artifact-bucket", BUCKET,
        "--allow-replace", "Databse",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--allow-replace 'Databse': no stateful resource of the fleet is named so; it " in (
        result.output
    )
    assert "RdsStack/Database" in result.output.splitlines()[-1]


def test_a_nested_stack_the_new_templates_drop_is_named_by_its_logical_id(running_fleet):
    spec = running_fleet.parent / "platform.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("enabled: true             # router", "enabled: false  # router"))
    refused = run("deploy", str(running_fleet), "--yes", "--artifact-bucket", BUCKET)
    assert refused.exit_code == 1
    assert "Remove litellm/CacheStack (AWS::CloudFormation::Stack)" in refused.output
    # Its stateful resources are each named too, as the review lists them.
    names = ("CacheStack", "CacheKey", "CacheLogsKey", "CacheSlowLogLogGroup")
    allowed = run(
        "deploy", str(running_fleet), "--artifact-bucket", BUCKET,
        *(f"--allow-replace={name}" for name in names),
        "--allow-replace", "CacheStack/CacheEngineLogLogGroup",
    )  # fmt: skip
    assert allowed.exit_code == 3, allowed.output  # past the guard, stopped for approval
