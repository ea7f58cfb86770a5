"""The deploy commands: bootstrap, diff, deploy, execute, watch, recover, destroy.

Each parses its options, loads the target and calls one function of
`litellm_cfn.deploy.actions`, which does the work and talks to AWS.
"""

from __future__ import annotations

from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    bucket_option,
    console,
    output_option,
    platform_stacks,
    reports_errors,
    spec_argument,
    with_aws_options,
)
from litellm_cfn.deploy import actions
from litellm_cfn.deploy.flow import load_target
from litellm_cfn.errors import InputError

allow_option = click.option(
    "--allow-replace",
    multiple=True,
    metavar="LOGICAL_ID",
    help="Let this execution remove or replace a stateful resource, named as in the review "
    "(Database, RdsStack/Database or STACK/RdsStack/Database); repeat for each.",
)
check_drift_option = click.option(
    "--check-drift",
    is_flag=True,
    help="Detect drift on the root and every nested stack first, and say which drifted "
    "resources the change set modifies or removes (deploy stops on them).",
)
recreate_option = click.option(
    "--recreate-failed",
    is_flag=True,
    help="Delete and re-create a stack that failed to create.",
)


@cli.command(epilog="\b\nExample:\n  litellm-cfn bootstrap --region eu-west-1")
@click.option("--profile", help="AWS profile.")
@click.option("--region", required=True, help="AWS region to bootstrap.")
@click.option(
    "--trust-account",
    multiple=True,
    metavar="ACCOUNT_ID",
    help="An account a catalog portfolio is shared with: may read the templates.",
)
@click.option(
    "--trust-organization",
    metavar="ORG_ID",
    help="Every account of this organization may read the templates.",
)
@recreate_option
@reports_errors
def bootstrap(
    profile: str | None,
    region: str,
    trust_account: tuple[str, ...],
    trust_organization: str | None,
    recreate_failed: bool,
) -> None:
    """Create or update the artifacts bucket deploys upload templates to."""
    bad = [a for a in trust_account if not (a.isdigit() and len(a) == 12)]
    if bad or (trust_organization and not trust_organization.startswith("o-")):
        raise InputError(
            f"--trust-account takes 12-digit account ids and --trust-organization an "
            f"o-... id; got {', '.join(bad) or trust_organization}"
        )
    bucket = actions.bootstrap(
        console(), region, profile, trust_account, trust_organization, recreate_failed
    )
    click.echo(f"artifacts bucket: {bucket}")


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn diff specs/platform.yaml\n"
    "  litellm-cfn diff specs/platform.yaml --output json --keep"
)
@spec_argument
@bucket_option
@output_option
@click.option("--keep", is_flag=True, help="Leave the change set for review elsewhere.")
@check_drift_option
@with_aws_options
@reports_errors
def diff(
    spec: Path,
    artifact_bucket: str | None,
    output: str,
    keep: bool,
    check_drift: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Show what deploying SPEC would change, root and nested stacks, without changing it."""
    target = load_target(spec, profile, region, console(output), platform_stacks())
    actions.diff(target, artifact_bucket, output, keep, check_drift)


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn deploy specs/platform.yaml\n"
    "  litellm-cfn deploy specs/platform.yaml --yes\n"
    "  litellm-cfn deploy specs/platform.yaml --no-execute\n"
    "  litellm-cfn deploy specs/platform.yaml --check-drift\n"
    "  litellm-cfn deploy specs/platform.yaml --adopt-retained --no-execute"
)
@spec_argument
@bucket_option
@output_option
@allow_option
@click.option("--yes", is_flag=True, help="Execute without asking.")
@click.option("--no-execute", is_flag=True, help="Stop after the review; keep the change set.")
@recreate_option
@check_drift_option
@click.option(
    "--overwrite-drift",
    is_flag=True,
    help="With --check-drift: go on when the change set overwrites drift, warning for each.",
)
@click.option(
    "--adopt-retained",
    is_flag=True,
    help="The platform was destroyed: import the keys, secrets and log groups it kept into "
    "its new stacks (shown, then asked once), then deploy the rest. With --no-execute, "
    "only show what would be imported.",
)
@with_aws_options
@reports_errors
def deploy(
    spec: Path,
    artifact_bucket: str | None,
    output: str,
    allow_replace: tuple[str, ...],
    yes: bool,
    no_execute: bool,
    recreate_failed: bool,
    check_drift: bool,
    overwrite_drift: bool,
    adopt_retained: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Build, review and deploy SPEC through a change set a person approves."""
    if overwrite_drift and not check_drift:
        raise InputError("--overwrite-drift goes with --check-drift")
    target = load_target(spec, profile, region, console(output), platform_stacks())
    actions.deploy(
        target,
        artifact_bucket,
        output,
        allow_replace,
        yes,
        no_execute,
        recreate_failed,
        check_drift,
        overwrite_drift,
        adopt_retained,
    )


@cli.command(
    epilog="\b\nExample:\n  litellm-cfn execute specs/platform.yaml litellm-cfn-0123abcd4567"
)
@spec_argument
@click.argument("change_set")
@allow_option
@with_aws_options
@reports_errors
def execute(
    spec: Path,
    change_set: str,
    allow_replace: tuple[str, ...],
    profile: str | None,
    region: str | None,
) -> None:
    """Execute a change set left by `deploy --no-execute` or `diff --keep`."""
    target = load_target(spec, profile, region, console(), platform_stacks())
    actions.execute(target, change_set, allow_replace)


@cli.command(epilog="\b\nExample:\n  litellm-cfn watch specs/platform.yaml")
@spec_argument
@with_aws_options
@reports_errors
def watch(spec: Path, profile: str | None, region: str | None) -> None:
    """Stream the events of the stack's current (or last) operation until it settles, then
    set the strict stack policy again."""
    target = load_target(spec, profile, region, console(), platform_stacks())
    status = actions.watch(target)
    click.echo(f"{target.spec.stack_name}: {status}")


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn recover specs/platform.yaml\n"
    "  litellm-cfn recover specs/platform.yaml --skip RdsStack/Database"
)
@spec_argument
@click.option(
    "--skip",
    multiple=True,
    metavar="LOGICAL_ID",
    help="A resource that failed to roll back and cannot, named as in the list (Database, "
    "RdsStack/Database or STACK/RdsStack/Database); CloudFormation marks it rolled back "
    "without touching it. Repeat for each.",
)
@click.option("--yes", is_flag=True, help="Continue the rollback without asking.")
@with_aws_options
@reports_errors
def recover(
    spec: Path, skip: tuple[str, ...], yes: bool, profile: str | None, region: str | None
) -> None:
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED: list what failed to
    roll back, skip what --skip names, watch it to UPDATE_ROLLBACK_COMPLETE, guard it again."""
    from litellm_cfn.deploy.aws import aws_errors
    from litellm_cfn.deploy.recover import recover as continue_rollback

    target = load_target(spec, profile, region, console(), platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"recover {stack}"):
        continue_rollback(target, skip, yes)


@cli.command(epilog="\b\nExample:\n  litellm-cfn destroy specs/dev.yaml")
@spec_argument
@click.option("--yes", is_flag=True, help="Do not ask for the stack name.")
@with_aws_options
@reports_errors
def destroy(spec: Path, yes: bool, profile: str | None, region: str | None) -> None:
    """Delete the platform's stacks; the database snapshot, secrets, keys and logs stay."""
    target = load_target(spec, profile, region, console(), platform_stacks())
    stack = target.spec.stack_name
    if actions.destroy(target, yes):
        click.echo(f"{stack}: deleted")
    else:
        click.echo(f"{stack} does not exist in {target.region}: nothing to destroy")
