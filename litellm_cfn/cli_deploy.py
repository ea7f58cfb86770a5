"""The deploy commands: bootstrap, diff, deploy, execute, watch, destroy.

Each parses its options and calls the change-set lifecycle in `deploy`; this module only
decides what to ask the person and which exit code to give.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from litellm_cfn.errors import EXIT_NEEDS_APPROVAL, InputError, LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.deploy import Deployer, Prepared
    from litellm_cfn.review import Review
    from litellm_cfn.spec import PlatformSpec

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Target:
    """A loaded spec and the AWS clients for its stack."""

    spec: PlatformSpec
    region: str
    deployer: Deployer
    cfn: Any
    s3: Any
    echo: Callable[[str], None] = click.echo


def _progress_echo(output: str) -> Callable[[str], None]:
    """Where progress goes: stdout for people, stderr when stdout carries JSON."""
    if output == "json":
        return lambda line: click.echo(line, err=True)
    return click.echo


def _target(
    spec_path: Path, profile: str | None, region: str | None, output: str = "text"
) -> Target:
    from litellm_cfn.aws import client
    from litellm_cfn.deploy import Deployer
    from litellm_cfn.spec import load_spec

    spec = load_spec(spec_path, str(spec_path)).spec
    region = region or spec.region
    cfn = client("cloudformation", region, profile)
    poll = float(os.environ.get("LITELLM_CFN_POLL_SECONDS", "3"))
    echo = _progress_echo(output)
    return Target(spec, region, Deployer(cfn, echo, poll), cfn, client("s3", region, profile), echo)


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _show(review: Review, output: str) -> None:
    from litellm_cfn.review import render_json, render_text

    click.echo(render_json(review) if output == "json" else render_text(review, _colour()))


def _bucket(target: Target, explicit: str | None) -> str:
    from litellm_cfn.bootstrap import artifact_bucket

    if explicit:
        return explicit
    bucket = artifact_bucket(target.cfn)
    if bucket is None:
        raise LitellmCfnError(
            f"no artifacts bucket in {target.region}: run `litellm-cfn bootstrap --region "
            f"{target.region}` once per account and region, or pass --artifact-bucket"
        )
    return bucket


def _prepare(target: Target, bucket: str | None, recreate_failed: bool) -> Prepared:
    """Build, lint, package and create the change set; review it."""
    from litellm_cfn.build import build, default_out
    from litellm_cfn.compiler import compile_platform
    from litellm_cfn.deploy import Prepared, packaged_platform

    spec = target.spec
    build(spec, default_out(spec), lint=True)
    change_type = target.deployer.settle(spec.stack_name, recreate_failed)
    packaged = packaged_platform(
        compile_platform(spec),
        target.s3,
        _bucket(target, bucket),
        target.region,
        spec.stack_name,
        target.echo,
    )
    change_set = target.deployer.create_change_set(
        spec.stack_name, packaged, change_type, dict(spec.tags)
    )
    if change_set is None:
        return Prepared(spec.stack_name, None, change_type, None)
    return Prepared(
        spec.stack_name,
        change_set,
        change_type,
        target.deployer.review(change_set, spec.stack_name),
    )


def _refuse_unapproved(target: Target, review: Review, change_set: str, allowed: tuple) -> None:
    risks = review.unapproved_risks(allowed)
    if risks:
        target.cfn.delete_change_set(ChangeSetName=change_set)
        named = " ".join(f"--allow-replace {c.logical_id}" for c in risks)
        raise LitellmCfnError(
            "refusing to execute: the change set would remove or replace data "
            f"({', '.join(c.qualified_id for c in risks)}); the change set was deleted. "
            f"If that is intended, deploy again with {named}"
        )


def _execute(
    target: Target, change_set: str, change_type: str, review: Review, allowed: tuple
) -> None:
    """Guard, execute, watch, then re-guard and print the outputs."""
    from litellm_cfn.compiler import compile_platform
    from litellm_cfn.deploy import stateful_ids
    from litellm_cfn.outputs import as_table, read_outputs

    spec = target.spec
    protected = stateful_ids(compile_platform(spec))
    target.deployer.guard(spec.stack_name, protected, allowed)
    total = sum(1 for c in review.changes if c.resource_type != "AWS::CloudFormation::Stack")
    try:
        target.deployer.execute(spec.stack_name, change_set, total)
    except KeyboardInterrupt:
        _stopped_watching(spec.stack_name)
    target.deployer.guard(spec.stack_name, protected, ())
    if change_type == "create":
        target.deployer.protect_from_deletion(spec.stack_name, True)
    target.echo(f"{spec.stack_name}: {change_type} complete")
    target.echo(as_table(read_outputs(target.cfn, spec.stack_name)))


def _stopped_watching(stack_name: str) -> None:
    click.echo(
        f"\nstopped watching; the deployment goes on. Resume with: litellm-cfn watch "
        f"(stack {stack_name})",
        err=True,
    )
    sys.exit(EXIT_INTERRUPTED)


def register(cli: click.Group, spec_argument: Any, with_aws: Any, reports_errors: Any) -> None:
    """Add the deploy commands to the CLI group."""
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
        help="Let this execution remove or replace a stateful resource; repeat for each.",
    )

    @cli.command(epilog="\b\nExample:\n  litellm-cfn bootstrap --region eu-west-1")
    @click.option("--profile", help="AWS profile.")
    @click.option("--region", required=True, help="AWS region to bootstrap.")
    @reports_errors
    def bootstrap(profile: str | None, region: str) -> None:
        """Create or update the artifacts bucket deploys upload templates to."""
        from litellm_cfn.aws import aws_errors, client
        from litellm_cfn.bootstrap import BOOTSTRAP_STACK, artifact_bucket, bootstrap_template
        from litellm_cfn.deploy import Deployer
        from litellm_cfn.package import Packaged
        from litellm_cfn.render import to_yaml

        cfn = client("cloudformation", region, profile)
        deployer = Deployer(cfn, click.echo, float(os.environ.get("LITELLM_CFN_POLL_SECONDS", "3")))
        with aws_errors("bootstrap"):
            change_type = deployer.settle(BOOTSTRAP_STACK)
            body = Packaged(to_yaml(bootstrap_template().to_dict()), None)
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
    @with_aws
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
        from litellm_cfn.aws import aws_errors

        target = _target(spec, profile, region, output)
        with aws_errors(f"diff {target.spec.stack_name}"):
            prepared = _prepare(target, artifact_bucket, recreate_failed=False)
            if prepared.change_set_id is None or prepared.review is None:
                click.echo('{"changes": []}' if output == "json" else "no changes")
                return
            _show(prepared.review, output)
            if keep:
                target.echo(f"change set kept: {prepared.change_set_id}")
            else:
                target.cfn.delete_change_set(ChangeSetName=prepared.change_set_id)

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
    @click.option(
        "--recreate-failed",
        is_flag=True,
        help="Delete and re-create a stack that failed to create.",
    )
    @with_aws
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
        from litellm_cfn.aws import aws_errors

        target = _target(spec, profile, region, output)
        with aws_errors(f"deploy {target.spec.stack_name}"):
            prepared = _prepare(target, artifact_bucket, recreate_failed)
            if prepared.change_set_id is None or prepared.review is None:
                click.echo("no changes")
                return
            _show(prepared.review, output)
            _refuse_unapproved(target, prepared.review, prepared.change_set_id, allow_replace)
            if no_execute:
                click.echo(
                    f"change set left for review: {prepared.change_set_id}\n"
                    f"execute it with: litellm-cfn execute {spec} {prepared.change_set_id}"
                )
                return
            if not yes:
                _ask(target, prepared.change_set_id, spec)
            _execute(
                target, prepared.change_set_id, prepared.change_type, prepared.review, allow_replace
            )

    @cli.command(
        epilog="\b\nExample:\n  litellm-cfn execute specs/platform.yaml litellm-cfn-0123abcd4567"
    )
    @spec_argument
    @click.argument("change_set")
    @allow_option
    @with_aws
    @reports_errors
    def execute(
        spec: Path,
        change_set: str,
        allow_replace: tuple[str, ...],
        profile: str | None,
        region: str | None,
    ) -> None:
        """Execute a change set left by `deploy --no-execute` or `diff --keep`."""
        from litellm_cfn.aws import aws_errors

        target = _target(spec, profile, region)
        stack = target.spec.stack_name
        with aws_errors(f"execute {change_set}"):
            description = target.cfn.describe_change_set(ChangeSetName=change_set, StackName=stack)
            review = target.deployer.review(description["ChangeSetId"], stack)
            _show(review, "text")
            _refuse_unapproved(target, review, description["ChangeSetId"], allow_replace)
            change_type = (
                "create" if target.deployer.status(stack) == "REVIEW_IN_PROGRESS" else "update"
            )
            _execute(target, description["ChangeSetId"], change_type, review, allow_replace)

    @cli.command(epilog="\b\nExample:\n  litellm-cfn watch specs/platform.yaml")
    @spec_argument
    @with_aws
    @reports_errors
    def watch(spec: Path, profile: str | None, region: str | None) -> None:
        """Stream the events of the stack's current (or last) operation until it settles."""
        from litellm_cfn.aws import aws_errors

        target = _target(spec, profile, region)
        stack = target.spec.stack_name
        with aws_errors(f"watch {stack}"):
            if target.deployer.status(stack) is None:
                raise LitellmCfnError(f"stack {stack} does not exist in {target.region}")
            (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
            since = described.get("LastUpdatedTime") or described["CreationTime"]
            try:
                target.deployer.watch(described["StackId"], since)
            except KeyboardInterrupt:
                _stopped_watching(stack)
            click.echo(f"{stack}: {target.deployer.status(stack)}")

    @cli.command(epilog="\b\nExample:\n  litellm-cfn destroy specs/dev.yaml")
    @spec_argument
    @click.option("--yes", is_flag=True, help="Do not ask for the stack name.")
    @with_aws
    @reports_errors
    def destroy(spec: Path, yes: bool, profile: str | None, region: str | None) -> None:
        """Delete the platform's stacks; the database snapshot, secrets, keys and logs stay."""
        from litellm_cfn.aws import aws_errors

        target = _target(spec, profile, region)
        stack = target.spec.stack_name
        with aws_errors(f"destroy {stack}"):
            if target.deployer.status(stack) is None:
                click.echo(f"{stack} does not exist in {target.region}: nothing to destroy")
                return
            click.echo(_deletion_summary(target.spec))
            if not yes:
                if not sys.stdin.isatty():
                    click.echo(
                        "not destroying without confirmation: run in a terminal, or add --yes",
                        err=True,
                    )
                    sys.exit(EXIT_NEEDS_APPROVAL)
                typed = click.prompt(f"Type the stack name ({stack}) to destroy it")
                if typed != stack:
                    raise InputError(f"{typed!r} is not {stack}: nothing was deleted")
            (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
            since = datetime.now(timezone.utc)
            target.deployer.protect_from_deletion(stack, False)
            target.cfn.delete_stack(StackName=stack)
            try:
                target.deployer.watch(described["StackId"], since)
            except KeyboardInterrupt:
                _stopped_watching(stack)
            click.echo(f"{stack}: deleted")


def _ask(target: Target, change_set: str, spec: Path) -> None:
    """Ask a person on a terminal; without one, stop and say how to approve."""
    if not sys.stdin.isatty():
        click.echo(
            f"not executing without approval. Execute this change set with:\n"
            f"  litellm-cfn execute {spec} {change_set}\n"
            "or deploy again with --yes",
            err=True,
        )
        sys.exit(EXIT_NEEDS_APPROVAL)
    if not click.confirm("Execute this change set?", default=False):
        target.cfn.delete_change_set(ChangeSetName=change_set)
        click.echo("declined; the change set was deleted")
        sys.exit(EXIT_NEEDS_APPROVAL)


def _deletion_summary(spec: PlatformSpec) -> str:
    """What deleting the stacks removes and what it keeps, from the templates' policies."""
    from litellm_cfn.compiler import ROOT_FILE, compile_platform

    kept: list[str] = []
    deleted = 0
    for file, template in compile_platform(spec).templates.items():
        if file == ROOT_FILE:
            continue
        for name, resource in template.resources.items():
            policy = resource.resource.get("DeletionPolicy")
            if policy in ("Retain", "Snapshot"):
                verb = "final snapshot of" if policy == "Snapshot" else "keeps"
                kept.append(
                    f"  {verb} {file.removesuffix('.yaml')}/{name} ({resource.resource_type})"
                )
            else:
                deleted += 1
    return "\n".join(
        [f"destroying {spec.stack_name} deletes {deleted} resources and keeps:", *kept]
    )
