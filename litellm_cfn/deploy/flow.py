"""The steps deploy commands share: load the target, prepare and review a change set, refuse
data at risk, ask for approval, execute and guard, summarise a deletion."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.console import Console
from litellm_cfn.errors import Interrupted, LitellmCfnError, NeedsApproval

if TYPE_CHECKING:
    from litellm_cfn.compile.compiler import CompiledPlatform
    from litellm_cfn.deploy.changesets import Deployer, Guarded, Prepared
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
    from litellm_cfn.compile.compiler import compile_platform
    from litellm_cfn.deploy.aws import client

    # Deploys watch stacks for many minutes: collect garbage again (main() turned it off
    # for the short commands).
    gc.enable()
    from litellm_cfn.deploy.changesets import Deployer, poll_seconds
    from litellm_cfn.spec import load_spec

    spec = load_spec(spec_path).spec
    region = region or spec.region
    poll = poll_seconds()
    cfn = client("cloudformation", region, profile, console.warn)
    s3 = client("s3", region, profile, console.warn)
    compiled = compile_platform(spec) if stacks is None else compile_platform(spec, stacks)
    deployer = Deployer(cfn, console.progress, poll)
    return Target(spec, spec_path, region, deployer, cfn, s3, compiled, console, profile)


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
    change set and review it."""
    from litellm_cfn.compile.artifacts import artifact_prefix
    from litellm_cfn.compile.build import build, default_out
    from litellm_cfn.deploy.changesets import Prepared, packaged_platform

    spec = target.spec
    built = build(spec, default_out(spec), lint=True, compiled=target.compiled)
    change_type = target.deployer.settle(spec.stack_name, recreate_failed)
    packaged = packaged_platform(
        target.compiled,
        {template.file: template.text for template in built.templates},
        target.s3,
        artifact_bucket_for(target, bucket),
        target.region,
        artifact_prefix(spec),
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


def refuse_unapproved(target: Target, review: Review, change_set: str, allowed: tuple) -> None:
    """Delete the change set and stop if it puts data at risk that nobody allowed."""
    risks = review.unapproved_risks(allowed)
    if risks:
        target.cfn.delete_change_set(ChangeSetName=change_set)
        named = " ".join(f"--allow-replace {c.logical_id}" for c in risks)
        raise LitellmCfnError(
            "refusing to execute: the change set would remove or replace data "
            f"({', '.join(c.qualified_id for c in risks)}); the change set was deleted. "
            f"If that is intended, deploy again with {named}"
        )


def execute_reviewed(
    target: Target, change_set: str, change_type: str, review: Review, allowed: tuple
) -> None:
    """Guard, execute, watch, then re-guard and print the outputs."""
    from litellm_cfn.deploy.outputs import as_table, read_outputs
    from litellm_cfn.deploy.review import NESTED_STACK

    spec = target.spec
    protected = protected_ids(target)
    target.deployer.guard(spec.stack_name, protected, allowed)
    total = sum(1 for c in review.changes if c.resource_type != NESTED_STACK)
    then_guard(
        target, protected, lambda: target.deployer.execute(spec.stack_name, change_set, total)
    )
    if change_type == "create":
        target.deployer.protect_from_deletion(spec.stack_name, True)
    target.echo(f"{spec.stack_name}: {change_type} complete")
    target.echo(as_table(read_outputs(target.cfn, spec.stack_name)))


def protected_ids(target: Target) -> Guarded:
    """The stateful logical ids the stack policies guard, per stack."""
    from litellm_cfn.deploy.changesets import stateful_ids

    return stateful_ids(target.compiled)


def then_guard(target: Target, protected: Guarded, run: Callable[[], Any]) -> None:
    """Run an execution or a watch, then set the strict stack policy again, whether it
    succeeded or failed: `--allow-replace` holds for one execution only. After Ctrl-C the
    deployment goes on and needs the lifted policy, so it stays until the next deploy or
    watch."""
    try:
        run()
    except KeyboardInterrupt:
        stopped_watching(target)
    except Exception:
        _guard_keeping_the_error(target, protected)
        raise
    target.deployer.guard(target.spec.stack_name, protected, ())


def _guard_keeping_the_error(target: Target, protected: Guarded) -> None:
    """Re-guard after a failure; if that fails too, say so, and let the failure be reported."""
    try:
        target.deployer.guard(target.spec.stack_name, protected, ())
    except Exception as error:
        target.console.warn(
            f"could not set the strict stack policy again ({type(error).__name__}: "
            f"{' '.join(str(error).split())[:300]}); `litellm-cfn watch {target.spec_path}` "
            "sets it once the stack settles"
        )


def stopped_watching(target: Target) -> None:
    """Ctrl-C: stop, saying the deployment goes on and how to watch it again (exit 130)."""
    raise Interrupted(
        f"\nstopped watching {target.spec.stack_name}; the deployment goes on. "
        f"Resume with: litellm-cfn watch {target.spec_path}"
    )


def stop_without_terminal(console: Console, message: str) -> None:
    """Nobody can answer without a terminal: stop with `message` (exit 3)."""
    if not console.interactive():
        raise NeedsApproval(message)


def approve_or_stop(console: Console, question: str, without_terminal: str) -> None:
    """Go on only if a person on a terminal says yes; otherwise stop (exit 3)."""
    stop_without_terminal(console, f"stopped for approval: {without_terminal}")
    if not console.confirm(question):
        raise NeedsApproval("declined")


def decline(target: Target, stack: str, change_set: str, why: NeedsApproval) -> NeedsApproval:
    """The one way a change set nobody approved ends: deleted, with the empty stack a first
    one comes in, and the stop that says so."""
    target.cfn.delete_change_set(ChangeSetName=change_set)
    target.deployer.discard_empty(stack)
    return NeedsApproval(f"{why}; the change set was deleted")


def ask_to_execute(target: Target, change_set: str, spec: Path) -> None:
    """Ask a person on a terminal; without one, stop and say how to approve."""
    stop_without_terminal(
        target.console,
        f"not executing without approval. Execute this change set with:\n"
        f"  litellm-cfn execute {spec} {change_set}\n"
        "or deploy again with --yes",
    )
    if not target.console.confirm("Execute this change set?"):
        raise decline(target, target.spec.stack_name, change_set, NeedsApproval("declined"))


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
