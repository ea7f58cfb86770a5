"""The publish flow: build and package the platform, add the version to the catalog stack,
deploy that stack through the reviewed change-set flow, then what only the API can do
(organizational-unit shares, deprecations). And the product's status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litellm_cfn.catalog import publish as catalog
from litellm_cfn.catalog.template import catalog_stack_name
from litellm_cfn.compile.artifacts import artifact_prefix
from litellm_cfn.deploy import aws
from litellm_cfn.deploy.approval import approve_or_stop, decline
from litellm_cfn.deploy.aws import aws_errors
from litellm_cfn.deploy.flow import Target, artifact_bucket_for, show_review
from litellm_cfn.errors import InputError, Interrupted, NeedsApproval

if TYPE_CHECKING:
    from litellm_cfn.deploy.changesets import ChangeSet


def publish(
    target: Target, version: str, bucket: str | None, deprecate_previous: bool, yes: bool
) -> None:
    """Publish `target`'s platform as `version` of its Service Catalog product."""
    from litellm_cfn.compile.build import build, default_out

    catalog.check_version_name(version)
    platform = target.spec
    if platform.catalog is None:
        raise InputError(f"{target.spec_path}: no catalog section; add one to publish the platform")
    with aws_errors(f"publish {platform.stack_name} {version}"):
        built = build(platform, default_out(platform), lint=True, compiled=target.compiled)
        bucket = artifact_bucket_for(target, bucket)
        rendered = {template.file: template.text for template in built.templates}
        sha256, updated = _record_version(target, bucket, version, rendered, yes)
        if not updated:
            target.console.result(f"version {version} is already published with this template")
        else:
            target.console.result(
                f"published {platform.catalog.product.name} {version} (sha256:{sha256[:12]})"
            )
        _after_publish(target, bucket, version, deprecate_previous)


def _record_version(
    target: Target, bucket: str, version: str, rendered: dict[str, str], yes: bool
) -> tuple[str, bool]:
    """Package the platform, record the version and update the catalog stack (asking first
    unless `yes`): the root's sha256, and whether anything changed."""
    from litellm_cfn.deploy.package import Packaged, package

    platform = target.spec
    assert platform.catalog is not None  # checked by publish
    compiled = target.compiled
    packaged = package(
        compiled, target.s3, bucket, target.region, artifact_prefix(platform), True, rendered
    )
    key = catalog.state_key(platform)
    existing = catalog.read_versions(target.s3, bucket, key)
    versions, changed = catalog.plan_versions(
        existing, version, packaged.root_sha256, str(packaged.root_url)
    )
    # The stack is checked even when the record has the version: an update that failed
    # after it was recorded is made good here.
    stack = catalog_stack_name(platform)
    change_type = target.deployer.settle(stack)
    change_set = target.deployer.create_change_set(
        stack,
        Packaged(catalog.catalog_body(platform, versions, compiled), None),
        change_type,
        dict(platform.catalog.tags),
        catalog.catalog_parameters(compiled, bucket),
    )
    if change_set is not None:
        show_review(target.console, target.deployer.review(change_set.id, stack), "text")
        if not yes:
            _approve(target, stack, change_set)
    if changed:
        # Recorded before executing: every later publish builds the product from this
        # record, so a version whose update fails or is left running is never dropped.
        catalog.write_versions(target.s3, bucket, key, versions)
    if change_set is not None:
        try:
            target.deployer.execute(stack, change_set.id, None)
        except KeyboardInterrupt:
            _stopped_watching(stack, target, version)
    return packaged.root_sha256, changed or change_set is not None


def status(target: Target) -> str:
    """The product's versions with their state and template hash, as a table."""
    with aws_errors("read the catalog"):
        _, product = catalog.catalog_ids(target.cfn, target.spec)
        servicecatalog = aws.client(
            "servicecatalog", target.region, target.profile, target.console.warn
        )
        artifacts = servicecatalog.list_provisioning_artifacts(ProductId=product)
    return catalog.versions_table(artifacts["ProvisioningArtifactDetails"])


def _after_publish(target: Target, bucket: str, version: str, deprecate: bool) -> None:
    """Shares with organizational units, deprecation, and a check that shared accounts can
    read the templates."""
    platform = target.spec
    assert platform.catalog is not None  # checked by publish
    units = [t for t in platform.catalog.share_with if t.startswith("ou-")]
    if units or deprecate:
        servicecatalog = aws.client(
            "servicecatalog", target.region, target.profile, target.console.warn
        )
        portfolio, product = catalog.catalog_ids(target.cfn, platform)
        if units:
            catalog.share_with_organizational_units(servicecatalog, portfolio, units)
        if deprecate:
            for name in catalog.deprecate_previous(servicecatalog, product, version):
                target.console.result(f"deprecated version {name}")
    blocked = catalog.unreadable_by(target.s3, bucket, platform)
    if blocked:
        accounts = " ".join(f"--trust-account {t}" for t in blocked if t.isdigit())
        organization = platform.catalog.organization_id
        fix = " ".join(
            filter(None, [accounts, f"--trust-organization {organization}" if organization else ""])
        )
        target.console.warn(
            f"warning: {', '.join(blocked)} cannot read the templates in s3://{bucket}, so "
            f"launches there would fail; allow them with: litellm-cfn bootstrap --region "
            f"{target.region} {fix}".rstrip()
        )


def _approve(target: Target, stack: str, change_set: ChangeSet) -> None:
    """Go on only with a person's yes; otherwise delete the catalog change set (and the
    empty stack a first one comes in) and stop."""
    try:
        approve_or_stop(
            target.console,
            "Execute this catalog change set?",
            "publish again with --yes to execute it",
        )
    except NeedsApproval as stop:
        raise decline(target, change_set, stop, stack) from None
    except KeyboardInterrupt:
        interrupted = Interrupted("\ninterrupted at the question")
        raise decline(target, change_set, interrupted, stack) from None


def _stopped_watching(stack: str, target: Target, version: str) -> None:
    """Ctrl-C: the catalog update goes on; say how to make good a failure (exit 130)."""
    raise Interrupted(
        f"\nstopped watching; the update of {stack} goes on in CloudFormation. If it fails, "
        f"`litellm-cfn publish {target.spec_path} --version {version}` again completes it."
    )
