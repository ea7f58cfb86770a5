"""The fleet commands, for one platform rolled out to many accounts and regions through
CloudFormation StackSets: `fleet validate` and `fleet schema` (offline), `fleet diff`,
`fleet deploy` and `fleet status`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    bucket_option,
    console,
    output_option,
    platform_stacks,
    reports_errors,
)

_EXAMPLES = """
\b
Examples:
  litellm-cfn fleet validate specs/fleets/example.yaml   check a fleet and its variants
  litellm-cfn fleet diff specs/fleets/example.yaml       what a rollout would change
  litellm-cfn fleet deploy specs/fleets/example.yaml     review, then roll out in waves
  litellm-cfn fleet status specs/fleets/example.yaml     every stack instance, drift too
  litellm-cfn fleet schema > fleet.schema.json           JSON Schema for editors
"""


fleet_argument = click.argument(
    "fleet_file",
    metavar="FLEET",
    default="fleet.yaml",
    required=False,
    type=click.Path(dir_okay=True, path_type=Path),
)


@cli.group(epilog=_EXAMPLES)
def fleet() -> None:
    """Roll one platform out to many accounts and regions through CloudFormation StackSets,
    as a fleet file (fleet.yaml) beside the platform spec describes."""


@fleet.command(epilog="\b\nExample:\n  litellm-cfn fleet validate specs/fleets/example.yaml")
@fleet_argument
@reports_errors
def validate(fleet_file: Path) -> None:
    """Check FLEET (default ./fleet.yaml), the spec it names and every variant's names
    where the fleet puts them, and print each stack set with its platform and targets, then
    the waves in order."""
    from litellm_cfn.fleet.load import load_fleet
    from litellm_cfn.fleet.summary import fleet_summary, fleet_warnings
    from litellm_cfn.fleet.variants import check_names, compile_variants

    loaded = load_fleet(fleet_file)
    check_names(loaded, compile_variants(loaded, platform_stacks()))
    for line in fleet_summary(loaded):
        click.echo(line)
    for warning in fleet_warnings(loaded):
        click.echo(str(warning), err=True)


@fleet.command(epilog="\b\nExample:\n  litellm-cfn fleet schema > specs/fleets/fleet.schema.json")
@reports_errors
def schema() -> None:
    """Print the JSON Schema of fleet.yaml (for editor completion and checking)."""
    from litellm_cfn.fleet.schema import fleet_schema

    click.echo(json.dumps(fleet_schema(), indent=2), nl=True)


region_option = click.option(
    "--region", help="The administration region (default: the spec's region)."
)
profile_option = click.option("--profile", help="AWS profile of the administration account.")


@fleet.command(
    epilog="\b\nExamples:\n  litellm-cfn fleet diff specs/fleets/example.yaml\n"
    "  litellm-cfn fleet diff specs/fleets/example.yaml --output json"
)
@fleet_argument
@bucket_option
@output_option
@profile_option
@region_option
@reports_errors
def diff(
    fleet_file: Path,
    artifact_bucket: str | None,
    output: str,
    profile: str | None,
    region: str | None,
) -> None:
    """Show what `fleet deploy` would do: each stack set's review, predicted from its
    templates (StackSets have no change sets), and the waves' steps."""
    from litellm_cfn.fleet import actions
    from litellm_cfn.fleet.flow import load_rollout

    rollout = load_rollout(fleet_file, profile, region, console(output), platform_stacks())
    actions.diff(rollout, artifact_bucket, output)


@fleet.command(
    epilog="\b\nExamples:\n  litellm-cfn fleet deploy specs/fleets/example.yaml\n"
    "  litellm-cfn fleet deploy specs/fleets/example.yaml --yes\n"
    "  litellm-cfn fleet deploy fleet.yaml --allow-remove 222222222222/eu-west-1"
)
@fleet_argument
@bucket_option
@output_option
@click.option(
    "--allow-replace",
    multiple=True,
    metavar="LOGICAL_ID",
    help="Let the rollout replace or remove this stateful resource, named as in the review "
    "(Database, RdsStack/Database or STACK_SET/RdsStack/Database); repeat for each.",
)
@click.option(
    "--allow-remove",
    multiple=True,
    metavar="ACCOUNT/REGION",
    help="Let the rollout delete the platform at this place, no longer a target (or "
    "STACK_SET/ACCOUNT/REGION); repeat for each.",
)
@click.option("--yes", is_flag=True, help="Roll out without asking.")
@profile_option
@region_option
@reports_errors
def deploy(
    fleet_file: Path,
    artifact_bucket: str | None,
    output: str,
    allow_replace: tuple[str, ...],
    allow_remove: tuple[str, ...],
    yes: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Review, then roll the fleet out wave by wave, stopping at the first failed wave."""
    from litellm_cfn.fleet import actions
    from litellm_cfn.fleet.flow import load_rollout

    rollout = load_rollout(fleet_file, profile, region, console(output), platform_stacks())
    actions.deploy(rollout, artifact_bucket, output, allow_replace, allow_remove, yes)


@fleet.command(
    epilog="\b\nExamples:\n  litellm-cfn fleet status specs/fleets/example.yaml\n"
    "  litellm-cfn fleet status specs/fleets/example.yaml --detect-drift --output json"
)
@fleet_argument
@output_option
@click.option(
    "--detect-drift",
    is_flag=True,
    help="Run drift detection on every stack instance first (DetectStackSetDrift).",
)
@profile_option
@region_option
@reports_errors
def status(
    fleet_file: Path, output: str, detect_drift: bool, profile: str | None, region: str | None
) -> None:
    """Each stack instance's status, drift status and template; exit 1 unless every one is
    current, succeeded, not drifted and declared, and every declared place has one."""
    from litellm_cfn.deploy.aws import aws_errors
    from litellm_cfn.errors import EXIT_FAILED
    from litellm_cfn.fleet.flow import load_rollout
    from litellm_cfn.fleet.status import fleet_status, render_json, render_text

    rollout = load_rollout(fleet_file, profile, region, console(output), platform_stacks())
    with aws_errors(f"read the fleet {fleet_file}"):
        rows = fleet_status(rollout, detect_drift)
    click.echo(render_json(rows) if output == "json" else render_text(rows))
    if not all(row.healthy for row in rows):
        click.get_current_context().exit(EXIT_FAILED)
