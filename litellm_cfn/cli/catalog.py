"""The Service Catalog commands, `publish` and `catalog status`: each calls one function of
`litellm_cfn.catalog.flow`."""

from __future__ import annotations

from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    console,
    platform_stacks,
    reports_errors,
    spec_argument,
    with_aws_options,
)
from litellm_cfn.deploy.flow import load_target


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn publish specs/platform.yaml --version 1.0.0\n"
    "  litellm-cfn publish specs/platform.yaml --version 1.1.0 --deprecate-previous --yes"
)
@spec_argument
@click.option("--version", "version", required=True, help="Version name for this release.")
@click.option("--deprecate-previous", is_flag=True, help="Mark older versions deprecated.")
@click.option("--artifact-bucket", help="Bucket for packaged templates.")
@click.option("--yes", is_flag=True, help="Execute the catalog change set without asking.")
@with_aws_options
@reports_errors
def publish(
    spec: Path,
    version: str,
    deprecate_previous: bool,
    artifact_bucket: str | None,
    yes: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Publish SPEC's platform as a version of its Service Catalog product."""
    from litellm_cfn.catalog import flow

    target = load_target(spec, profile, region, console(), platform_stacks())
    flow.publish(target, version, artifact_bucket, deprecate_previous, yes)


@cli.group()
def catalog() -> None:
    """The Service Catalog product of a platform."""


@catalog.command(epilog="\b\nExample:\n  litellm-cfn catalog status specs/platform.yaml")
@spec_argument
@with_aws_options
@reports_errors
def status(spec: Path, profile: str | None, region: str | None) -> None:
    """List the product's versions with their state and template hash."""
    from litellm_cfn.catalog import flow

    click.echo(flow.status(load_target(spec, profile, region, console(), platform_stacks())))
