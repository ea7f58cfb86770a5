"""The Service Catalog commands: `publish` and `catalog status`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    artifact_bucket_for,
    decline,
    load_target,
    show_review,
)
from litellm_cfn.errors import Interrupted, NeedsApproval


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
    from litellm_cfn.catalog import publish as catalog
    from litellm_cfn.catalog.template import catalog_stack_name
    from litellm_cfn.compile.build import build, default_out
    from litellm_cfn.deploy.aws import aws_errors
    from litellm_cfn.deploy.package import Packaged, package
    from litellm_cfn.errors import InputError

    catalog.check_version_name(version)
    target = load_target(spec, profile, region, stacks=platform_stacks())
    platform = target.spec
    if platform.catalog is None:
        raise InputError(f"{spec}: no catalog section; add one to publish the platform")
    with aws_errors(f"publish {platform.stack_name} {version}"):
        built = build(platform, default_out(platform), lint=True, compiled=target.compiled)
        bucket = artifact_bucket_for(target, artifact_bucket)
        compiled = target.compiled
        rendered = {template.file: template.text for template in built.templates}
        packaged = package(
            compiled, target.s3, bucket, target.region, platform.stack_name, True, rendered
        )
        root_url = str(packaged.root_url)  # always set: the root was packaged by URL
        sha256 = root_url.rsplit("/", 1)[1].removesuffix(".yaml")
        key = catalog.state_key(platform)
        existing = catalog.read_versions(target.s3, bucket, key)
        versions, changed = catalog.plan_versions(existing, version, sha256, root_url)
        # The stack is checked even when the record has the version: an update that
        # failed after it was recorded is made good here.
        stack = catalog_stack_name(platform)
        body = catalog.catalog_body(platform, versions, compiled)
        change_type = target.deployer.settle(stack)
        change_set = target.deployer.create_change_set(
            stack,
            Packaged(body, None),
            change_type,
            dict(platform.catalog.tags),
            catalog.catalog_parameters(compiled, bucket),
        )
        if change_set is not None:
            show_review(target.deployer.review(change_set, stack), "text")
            if not yes:
                _approve(target, stack, change_set)
        if changed:
            # Recorded before executing: every later publish builds the product from this
            # record, so a version whose update fails or is left running is never dropped.
            catalog.write_versions(target.s3, bucket, key, versions)
        if change_set is not None:
            try:
                target.deployer.execute(stack, change_set, None)
            except KeyboardInterrupt:
                _stopped_watching(stack, spec, version)
        if change_set is None and not changed:
            click.echo(f"version {version} is already published with this template")
        else:
            click.echo(
                f"published {platform.catalog.product.name} {version} (sha256:{sha256[:12]})"
            )
        _after_publish(target, platform, bucket, version, deprecate_previous, profile)


@cli.group()
def catalog() -> None:
    """The Service Catalog product of a platform."""


@catalog.command(epilog="\b\nExample:\n  litellm-cfn catalog status specs/platform.yaml")
@spec_argument
@with_aws_options
@reports_errors
def status(spec: Path, profile: str | None, region: str | None) -> None:
    """List the product's versions with their state and template hash."""
    from litellm_cfn.catalog.publish import catalog_ids, versions_table
    from litellm_cfn.deploy.aws import aws_errors, client

    target = load_target(spec, profile, region, stacks=platform_stacks())
    with aws_errors("read the catalog"):
        _, product = catalog_ids(target.cfn, target.spec)
        artifacts = client("servicecatalog", target.region, profile).list_provisioning_artifacts(
            ProductId=product
        )["ProvisioningArtifactDetails"]
    click.echo(versions_table(artifacts))


def _after_publish(
    target: Any, platform: Any, bucket: str, version: str, deprecate: bool, profile: str | None
) -> None:
    """Shares with organizational units, deprecation, and a check that shared accounts can
    read the templates."""
    from litellm_cfn.catalog import publish as catalog
    from litellm_cfn.deploy.aws import client

    units = [t for t in platform.catalog.share_with if t.startswith("ou-")]
    if units or deprecate:
        servicecatalog = client("servicecatalog", target.region, profile)
        portfolio, product = catalog.catalog_ids(target.cfn, platform)
        if units:
            catalog.share_with_organizational_units(servicecatalog, portfolio, units)
        if deprecate:
            for name in catalog.deprecate_previous(servicecatalog, product, version):
                click.echo(f"deprecated version {name}")
    blocked = catalog.unreadable_by(target.s3, bucket, platform)
    if blocked:
        accounts = " ".join(f"--trust-account {t}" for t in blocked if t.isdigit())
        organization = platform.catalog.organization_id
        fix = " ".join(
            filter(None, [accounts, f"--trust-organization {organization}" if organization else ""])
        )
        click.echo(
            f"warning: {', '.join(blocked)} cannot read the templates in s3://{bucket}, so "
            f"launches there would fail; allow them with: litellm-cfn bootstrap --region "
            f"{target.region} {fix}".rstrip(),
            err=True,
        )


def _approve(target: Any, stack: str, change_set: str) -> None:
    """Go on only with a person's yes; otherwise delete the catalog change set (and the
    empty stack a first one comes in) and stop."""
    try:
        approve_or_stop(
            "Execute this catalog change set?", "publish again with --yes to execute it"
        )
    except NeedsApproval as stop:
        raise decline(target, stack, change_set, stop) from None


def _stopped_watching(stack: str, spec: Path, version: str) -> None:
    """Ctrl-C: the catalog update goes on; say how to make good a failure (exit 130)."""
    raise Interrupted(
        f"\nstopped watching; the update of {stack} goes on in CloudFormation. If it fails, "
        f"`litellm-cfn publish {spec} --version {version}` again completes it."
    )
