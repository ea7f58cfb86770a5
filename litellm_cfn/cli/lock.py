"""`lock`: pin the EKS add-on versions of a spec in a lock file beside it."""

from __future__ import annotations

from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import console, reports_errors, spec_argument, with_aws_options


@cli.command(epilog="\b\nExample:\n  litellm-cfn lock specs/platform.yaml")
@spec_argument
@with_aws_options
@reports_errors
def lock(spec: Path, profile: str | None, region: str | None) -> None:
    """Ask EKS for each add-on's default version for SPEC's Kubernetes version and write
    them to <spec>.lock.json beside it (commit it); builds then pin them."""
    from litellm_cfn.deploy.addon_lock import default_versions, write_lock
    from litellm_cfn.deploy.aws import aws_errors, client
    from litellm_cfn.spec import load_spec

    loaded = load_spec(spec, with_lock=False).spec  # the lock is what is being made again
    version = loaded.eks.cluster_version
    eks = client("eks", region or loaded.region, profile, console().warn)
    with aws_errors(f"look up the EKS add-on versions for Kubernetes {version}"):
        versions = default_versions(eks, version)
    path = write_lock(spec, version, versions)
    click.echo(f"{path}: EKS add-on defaults for Kubernetes {version}")
    for name, pinned in sorted(versions.items()):
        mine = loaded.eks.addons.get(name)  # type: ignore[call-overload]
        note = f" (the spec pins {mine.version})" if mine and mine.version else ""
        click.echo(f"  {name:<24} {pinned}{note}")
