"""The steps deploy commands share: load the target, prepare and review a change set,
abandon it on failure, refuse data at risk, summarise a deletion. Asking is in `approval`,
executing and guarding in `execution`."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.console import Console
from litellm_cfn.errors import InputError, LitellmCfnError, shown

if TYPE_CHECKING:
    from litellm_cfn.compile.compiler import CompiledPlatform
    from litellm_cfn.deploy.changesets import ChangeSet, Deployer, Prepared
    from litellm_cfn.deploy.review import Review
    from litellm_cfn.spec import PlatformSpec
    from nested_stacks.base import StackModule


@dataclass(frozen=True)
class Target:
    """A loaded spec, its platform compiled once, and the AWS clients for its stack."""

    spec: PlatformSpec
    spec_path: Path
    region: str
    deployer: Deployer
    cfn: Any
    s3: Any
    compiled: CompiledPlatform
    console: Console
    profile: str | None = None  # for the clients a flow makes besides these two
    root_stack: str | None = None  # when the root stack is not named after the spec

    @property
    def stack_name(self) -> str:
        """The root stack's name: the spec's `<name>-<environment>`, or `root_stack`."""
        return self.root_stack or self.spec.stack_name

    @property
    def echo(self) -> Callable[[str], None]:
        """Where the flow's progress goes."""
        return self.console.progress


def load_target(
    spec_path: Path,
    profile: str | None,
    region: str | None,
    console: Console,
    stacks: tuple[StackModule, ...] | None = None,
) -> Target:
    """Load the spec, compile it (from `stacks`, by default every nested stack) once for the
    whole command, and make the clients for its stack."""
    from litellm_cfn.spec import load_spec

    return make_target(load_spec(spec_path).spec, spec_path, profile, region, console, stacks)


def make_target(
    spec: PlatformSpec,
    spec_path: Path,
    profile: str | None,
    region: str | None,
    console: Console,
    stacks: tuple[StackModule, ...] | None = None,
    root_stack: str | None = None,
) -> Target:
    """The Target of a loaded spec (`root_stack`: a root stack not named after the spec, such
    as a fleet's stack instance)."""
    from litellm_cfn.compile.compiler import compile_platform
    from litellm_cfn.deploy.aws import client

    # Deploys watch stacks for many minutes: collect garbage again (main() turned it off
    # for the short commands).
    gc.enable()
    from litellm_cfn.deploy.changesets import Deployer, poll_seconds

    region = region or spec.region
    poll = poll_seconds()
    cfn = client("cloudformation", region, profile, console.warn)
    s3 = client("s3", region, profile, console.warn)
    compiled = compile_platform(spec) if stacks is None else compile_platform(spec, stacks)
    deployer = Deployer(cfn, console.progress, poll)
    return Target(
        spec, spec_path, region, deployer, cfn, s3, compiled, console, profile, root_stack
    )


def show_review(console: Console, review: Review, output: str) -> None:
    """Print the review as text or JSON."""
    from litellm_cfn.deploy.review import render_json, render_text

    text = render_json(review) if output == "json" else render_text(review, console.colour)
    console.result(text)


def show_no_changes(target: Target, output: str) -> None:
    """Say nothing changes; with JSON, stdout still carries a review (an empty one)."""
    from litellm_cfn.deploy.review import Review

    if output == "json":
        show_review(target.console, Review(()), output)
    target.echo("no changes")


def artifact_bucket_for(target: Target, explicit: str | None) -> str:
    """The bucket to upload to: the one named, else the bootstrap stack's."""
    from litellm_cfn.deploy.bootstrap import artifact_bucket

    if explicit:
        return explicit
    bucket = artifact_bucket(target.cfn)
    if bucket is None:
        raise LitellmCfnError(
            f"no artifacts bucket in {target.region}: run `litellm-cfn bootstrap --region "
            f"{target.region}` once per account and region, or pass --artifact-bucket"
        )
    return bucket


def prepare(target: Target, bucket: str | None, recreate_failed: bool) -> Prepared:
    """Build (write and lint) the compiled platform, package what was written, create the
    change set (or find the one left for review with the same content) and review it."""
    from litellm_cfn.compile.artifacts import artifact_prefix
    from litellm_cfn.compile.build import build, default_out
    from litellm_cfn.deploy.changesets import Prepared
    from litellm_cfn.deploy.package import package

    spec = target.spec
    built = build(spec, default_out(spec), lint=True, compiled=target.compiled)
    change_type = target.deployer.settle(spec.stack_name, recreate_failed)
    bucket, prefix = artifact_bucket_for(target, bucket), artifact_prefix(spec)
    rendered = {template.file: template.text for template in built.templates}
    packaged = package(target.compiled, target.s3, bucket, target.region, prefix, rendered=rendered)
    target.echo(
        f"packaged into s3://{bucket}/{prefix}/: {len(packaged.uploaded)} uploaded, "
        f"{len(packaged.reused)} unchanged"
    )
    change_set = target.deployer.create_change_set(
        spec.stack_name, packaged, change_type, dict(spec.tags)
    )
    if change_set is None:
        return Prepared(spec.stack_name, None, change_type, None)
    with abandoned_on_failure(target, change_set):
        review = target.deployer.review(change_set.id, spec.stack_name)
    return Prepared(spec.stack_name, change_set, change_type, review)


@contextmanager
def abandoned_on_failure(target: Target, change_set: ChangeSet) -> Iterator[None]:
    """Run a step before execution; if it fails or is interrupted, abandon the change set."""
    try:
        yield
    except BaseException:
        abandon(target, change_set)
        raise


def abandon(target: Target, change_set: ChangeSet, stack: str | None = None) -> bool:
    """Delete a change set this run created on `stack` (by default the platform's), and the
    empty stack a first one comes in; one left for review by an earlier run stays. Whether
    it was deleted."""
    if not change_set.created:
        return False
    failure = target.deployer.delete_change_set(change_set.id)
    if failure is None:
        with suppress(Exception):
            target.deployer.discard_empty(stack or target.spec.stack_name)
        return True
    target.console.warn(
        f"could not delete the change set {change_set.id} ({one_line(failure)}); it is "
        "never executed unless someone runs `litellm-cfn execute`, and the next deploy of "
        "the same spec reviews it again"
    )
    return False


def refuse_unapproved(
    target: Target, review: Review, change_set: ChangeSet, allowed: tuple[str, ...]
) -> None:
    """Stop, abandoning the change set, if `allowed` names what is no guarded resource of
    this platform (exit 2), or the change set puts data at risk that nobody allowed."""
    from litellm_cfn.deploy.guard import stateful_ids

    guarded = stateful_ids(target.compiled).names(target.spec.stack_name)
    at_risk = {name for change in review.data_at_risk for name in change.names}
    unknown = [name for name in allowed if name not in guarded and name not in at_risk]
    if unknown:
        abandon(target, change_set)
        raise InputError(
            f"--allow-replace {', '.join(shown(n) for n in unknown)}: no stateful resource of "
            f"this platform is named so; it guards {', '.join(sorted(set(guarded.values())))}"
        )
    risks = review.unapproved_risks(allowed)
    if risks:
        deleted = abandon(target, change_set)
        named = " ".join(f"--allow-replace {c.logical_id}" for c in risks)
        raise LitellmCfnError(
            "refusing to execute: the change set would remove or replace data "
            f"({', '.join(c.qualified_id for c in risks)})"
            f"{'; the change set was deleted' if deleted else ''}. "
            f"If that is intended, deploy again with {named}"
        )


def deletion_summary(target: Target) -> str:
    """What deleting the stacks removes and what it keeps, from the templates' policies."""
    kept: list[str] = []
    deleted = 0
    for nested in target.compiled.nested:
        for name, resource in nested.template.resources.items():
            policy = resource.resource.get("DeletionPolicy")
            if policy in ("Retain", "Snapshot"):
                verb = "final snapshot of" if policy == "Snapshot" else "keeps"
                kept.append(f"  {verb} {nested.name}/{name} ({resource.resource_type})")
            else:
                deleted += 1
    stack = target.spec.stack_name
    return "\n".join([f"destroying {stack} deletes {deleted} resources and keeps:", *kept])


def one_line(error: BaseException) -> str:
    """An error as its type and its message on one line, for a warning."""
    return f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
