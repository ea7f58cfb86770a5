"""The deploy commands: bootstrap, diff, deploy, execute, watch, destroy.

Each parses its options and runs the shared steps in `litellm_cfn.deploy.flow`; the
change-set lifecycle itself is in `litellm_cfn.deploy.changesets`.
"""

from __future__ import annotations

import gc
from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    platform_stacks,
    reports_errors,
    spec_argument,
    with_aws_options,
)
from litellm_cfn.deploy.flow import (
    approve_or_stop,
    ask_to_execute,
    deletion_summary,
    execute_reviewed,
    load_target,
    prepare,
    protected_ids,
    refuse_unapproved,
    show_no_changes,
    show_review,
    stop_without_terminal,
    stopped_watching,
    then_guard,
)
from litellm_cfn.errors import InputError, LitellmCfnError

output_option = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the review.",
)
bucket_option = click.option(
    "--artifact-bucket", help="Bucket for packaged templates (default: the bootstrap one)."
)
allow_option = click.option(
    "--allow-replace",
    multiple=True,
    metavar="LOGICAL_ID",
    help="Let this execution remove or replace a stateful resource, named as in the review "
    "(Database, RdsStack/Database or STACK/RdsStack/Database); repeat for each.",
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
    from litellm_cfn.compile.render import to_yaml
    from litellm_cfn.deploy.aws import aws_errors, client
    from litellm_cfn.deploy.bootstrap import (
        BOOTSTRAP_STACK,
        artifact_bucket,
        bootstrap_template,
    )
    from litellm_cfn.deploy.changesets import Deployer, poll_seconds
    from litellm_cfn.deploy.package import Packaged

    gc.enable()  # a deploy: see load_target
    poll = poll_seconds()
    cfn = client("cloudformation", region, profile)
    deployer = Deployer(cfn, click.echo, poll)
    with aws_errors("bootstrap"):
        # The bucket is retained, so deleting a failed creation loses nothing.
        change_type = deployer.settle(BOOTSTRAP_STACK, recreate_failed)
        template = bootstrap_template(trust_account, trust_organization)
        body = Packaged(to_yaml(template.to_dict()), None)
        change_set = deployer.create_change_set(BOOTSTRAP_STACK, body, change_type, {})
        if change_set is None:
            click.echo(f"{BOOTSTRAP_STACK}: up to date")
        else:
            deployer.execute(BOOTSTRAP_STACK, change_set, None)
        bucket = artifact_bucket(cfn)
    click.echo(f"artifacts bucket: {bucket}")


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn diff specs/platform.yaml\n"
    "  litellm-cfn diff specs/platform.yaml --output json --keep"
)
@spec_argument
@bucket_option
@output_option
@click.option("--keep", is_flag=True, help="Leave the change set for review elsewhere.")
@with_aws_options
@reports_errors
def diff(
    spec: Path,
    artifact_bucket: str | None,
    output: str,
    keep: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Show what deploying SPEC would change, root and nested stacks, without changing it."""
    from litellm_cfn.deploy.aws import aws_errors

    target = load_target(spec, profile, region, output, stacks=platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"diff {stack}"):
        # A change set creating a stack comes with an empty stack (REVIEW_IN_PROGRESS):
        # remove it with the change set, unless it was there before.
        created_here = target.deployer.status(stack) is None
        try:
            prepared = prepare(target, artifact_bucket, recreate_failed=False)
            if prepared.change_set_id is None or prepared.review is None:
                show_no_changes(target, output)
                return
            show_review(prepared.review, output)
            if keep:
                target.echo(f"change set kept: {prepared.change_set_id}")
            else:
                target.cfn.delete_change_set(ChangeSetName=prepared.change_set_id)
        finally:
            if created_here and not keep:
                target.deployer.discard_empty(stack)


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn deploy specs/platform.yaml\n"
    "  litellm-cfn deploy specs/platform.yaml --yes\n"
    "  litellm-cfn deploy specs/platform.yaml --no-execute"
)
@spec_argument
@bucket_option
@output_option
@allow_option
@click.option("--yes", is_flag=True, help="Execute without asking.")
@click.option("--no-execute", is_flag=True, help="Stop after the review; keep the change set.")
@recreate_option
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
    profile: str | None,
    region: str | None,
) -> None:
    """Build, review and deploy SPEC through a change set a person approves."""
    from litellm_cfn.deploy.aws import aws_errors

    target = load_target(spec, profile, region, output, stacks=platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"deploy {stack}"):
        failed = target.deployer.status(stack) == "ROLLBACK_COMPLETE"
        if recreate_failed and failed and not yes:
            approve_or_stop(
                f"{stack} failed to create. Delete it and create it again?",
                "rerun with --yes to delete and re-create it",
            )
        prepared = prepare(target, artifact_bucket, recreate_failed)
        if prepared.change_set_id is None or prepared.review is None:
            show_no_changes(target, output)
            return
        show_review(prepared.review, output)
        refuse_unapproved(target, prepared.review, prepared.change_set_id, allow_replace)
        if no_execute:
            target.echo(
                f"change set left for review: {prepared.change_set_id}\n"
                f"execute it with: litellm-cfn execute {spec} {prepared.change_set_id}"
            )
            return
        if not yes:
            ask_to_execute(target, prepared.change_set_id, spec)
        execute_reviewed(
            target, prepared.change_set_id, prepared.change_type, prepared.review, allow_replace
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
    from litellm_cfn.deploy.aws import aws_errors

    target = load_target(spec, profile, region, stacks=platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"execute {change_set}"):
        change_type = target.deployer.settle(stack)
        description = target.cfn.describe_change_set(ChangeSetName=change_set, StackName=stack)
        review = target.deployer.review(description["ChangeSetId"], stack)
        show_review(review, "text")
        refuse_unapproved(target, review, description["ChangeSetId"], allow_replace)
        execute_reviewed(target, description["ChangeSetId"], change_type, review, allow_replace)


@cli.command(epilog="\b\nExample:\n  litellm-cfn watch specs/platform.yaml")
@spec_argument
@with_aws_options
@reports_errors
def watch(spec: Path, profile: str | None, region: str | None) -> None:
    """Stream the events of the stack's current (or last) operation until it settles, then
    set the strict stack policy again."""
    from litellm_cfn.deploy.aws import aws_errors

    target = load_target(spec, profile, region, stacks=platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"watch {stack}"):
        status = target.deployer.status(stack)
        if status is None:
            raise LitellmCfnError(f"stack {stack} does not exist in {target.region}")
        if status == "REVIEW_IN_PROGRESS":
            raise LitellmCfnError(
                f"stack {stack} in {target.region} is not created yet (REVIEW_IN_PROGRESS: "
                "a change set awaits review); nothing to watch"
            )
        (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
        since = described.get("LastUpdatedTime") or described["CreationTime"]
        then_guard(
            target,
            protected_ids(target),
            lambda: target.deployer.watch(described["StackId"], since),
        )
        click.echo(f"{stack}: {target.deployer.status(stack)}")


@cli.command(epilog="\b\nExample:\n  litellm-cfn destroy specs/dev.yaml")
@spec_argument
@click.option("--yes", is_flag=True, help="Do not ask for the stack name.")
@with_aws_options
@reports_errors
def destroy(spec: Path, yes: bool, profile: str | None, region: str | None) -> None:
    """Delete the platform's stacks; the database snapshot, secrets, keys and logs stay."""
    from litellm_cfn.deploy.aws import aws_errors

    target = load_target(spec, profile, region, stacks=platform_stacks())
    stack = target.spec.stack_name
    with aws_errors(f"destroy {stack}"):
        if target.deployer.status(stack) is None:
            click.echo(f"{stack} does not exist in {target.region}: nothing to destroy")
            return
        click.echo(deletion_summary(target))
        if not yes:
            stop_without_terminal(
                "not destroying without confirmation: run in a terminal, or add --yes"
            )
            typed = click.prompt(f"Type the stack name ({stack}) to destroy it")
            if typed != stack:
                raise InputError(f"{typed!r} is not {stack}: nothing was deleted")
        (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
        since = target.deployer.after_last_event(described["StackId"])
        target.deployer.protect_from_deletion(stack, False)
        target.cfn.delete_stack(StackName=stack)
        try:
            target.deployer.watch(described["StackId"], since)
        except KeyboardInterrupt:
            stopped_watching(target)
        click.echo(f"{stack}: deleted")
