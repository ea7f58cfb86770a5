"""What each deploy command does, as a plain function over a Target: the CLI parses the
options, loads the target and calls one of these. AWS errors are translated here, each
naming the operation; approvals and Ctrl-C end as the exceptions the CLI edge reports.
"""

from __future__ import annotations

import gc

from litellm_cfn.deploy.approval import approve_or_stop, ask_to_execute, stop_without_terminal
from litellm_cfn.deploy.aws import aws_errors
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.drift_check import check_drift as drift_check
from litellm_cfn.deploy.execution import (
    execute_reviewed,
    missing_protection_on_loopback,
    protect_from_deletion,
    protected_ids,
    stopped_watching,
    then_guard,
)
from litellm_cfn.deploy.flow import (
    Target,
    abandon,
    deletion_summary,
    prepare,
    refuse_unapproved,
    show_no_changes,
    show_review,
)
from litellm_cfn.deploy.upgrade import Upgrade, kubernetes_upgrade, upgrade_plan
from litellm_cfn.errors import InputError, LitellmCfnError


def bootstrap(
    console: Console,
    region: str,
    profile: str | None,
    trust_account: tuple[str, ...],
    trust_organization: str | None,
    recreate_failed: bool,
) -> str:
    """Create or update the artifacts bucket's stack; its bucket's name."""
    from litellm_cfn.compile.render import to_yaml
    from litellm_cfn.deploy.aws import client
    from litellm_cfn.deploy.bootstrap import BOOTSTRAP_STACK, artifact_bucket, bootstrap_template
    from litellm_cfn.deploy.changesets import Deployer, poll_seconds
    from litellm_cfn.deploy.package import Packaged

    gc.enable()  # a deploy: see load_target
    cfn = client("cloudformation", region, profile, console.warn)
    deployer = Deployer(cfn, console.progress, poll_seconds())
    with aws_errors("bootstrap"):
        # The bucket is retained, so deleting a failed creation loses nothing.
        change_type = deployer.settle(BOOTSTRAP_STACK, recreate_failed)
        template = bootstrap_template(trust_account, trust_organization)
        body = Packaged(to_yaml(template.to_dict()), None)
        change_set = deployer.create_change_set(BOOTSTRAP_STACK, body, change_type, {})
        if change_set is None:
            console.progress(f"{BOOTSTRAP_STACK}: up to date")
        else:
            deployer.execute(BOOTSTRAP_STACK, change_set.id, None)
        return str(artifact_bucket(cfn))


def diff(
    target: Target, bucket: str | None, output: str, keep: bool, check_drift: bool = False
) -> None:
    """Review what a deploy would change (and, with `check_drift`, which drift it would
    overwrite); delete the change set unless `keep`, or unless it was left for review before
    (`deploy --no-execute`, `diff --keep`)."""
    stack = target.spec.stack_name
    with aws_errors(f"diff {stack}"):
        upgrade = kubernetes_upgrade(target)
        prepared = prepare(target, bucket, recreate_failed=False)
        if prepared.change_set is None or prepared.review is None:
            show_no_changes(target, output)
            return
        show_review(target.console, prepared.review, output)
        show_upgrade(target, upgrade)
        if check_drift and prepared.change_type != "create":
            drift_check(target, prepared.review, prepared.change_set, False, stop=False)
        if keep or not prepared.change_set.created:
            target.echo(f"change set kept: {prepared.change_set.id}")
        else:
            abandon(target, prepared.change_set)


def show_upgrade(target: Target, upgrade: Upgrade | None) -> None:
    """After the review, what a Kubernetes upgrade changes and in which order."""
    if upgrade is not None:
        target.echo(upgrade_plan(target.spec, upgrade))


def deploy(
    target: Target,
    bucket: str | None,
    output: str,
    allowed: tuple[str, ...],
    yes: bool,
    no_execute: bool,
    recreate_failed: bool,
    check_drift: bool = False,
    overwrite_drift: bool = False,
    adopt: bool = False,
) -> None:
    """Review, refuse unapproved data at risk (and, with `check_drift`, drift it would
    overwrite unless `overwrite_drift`), ask, execute, watch and guard. With `adopt`, first
    import what a destroyed platform of the same name kept (`adopt.adopt_retained`)."""
    from litellm_cfn.deploy.stack_state import ROLLBACK_COMPLETE

    stack = target.spec.stack_name
    with aws_errors(f"deploy {stack}"):
        failed = target.deployer.status(stack) == ROLLBACK_COMPLETE
        if recreate_failed and failed and not yes:
            approve_or_stop(
                target.console,
                f"{stack} failed to create. Delete it and create it again?",
                "rerun with --yes to delete and re-create it",
            )
        if adopt:
            from litellm_cfn.deploy.adopt import adopt_retained

            if not adopt_retained(target, bucket, yes, no_execute, recreate_failed):
                return
        upgrade = kubernetes_upgrade(target)
        prepared = prepare(target, bucket, recreate_failed)
        if prepared.change_set is None or prepared.review is None:
            show_no_changes(target, output)
            protect_from_deletion(target)  # finishes what an interrupted first deploy left
            return
        show_review(target.console, prepared.review, output)
        show_upgrade(target, upgrade)
        refuse_unapproved(target, prepared.review, prepared.change_set, allowed)
        if check_drift and prepared.change_type != "create":  # a new stack has no drift
            drift_check(target, prepared.review, prepared.change_set, overwrite_drift)
        if no_execute:
            target.echo(
                f"change set left for review: {prepared.change_set.id}\n"
                f"execute it with: litellm-cfn execute {target.spec_path} "
                f"{prepared.change_set.id}"
            )
            return
        if not yes:
            ask_to_execute(target, prepared.change_set, target.spec_path)
        execute_reviewed(
            target, prepared.change_set, prepared.change_type, prepared.review, allowed
        )


def execute(target: Target, change_set: str, allowed: tuple[str, ...]) -> None:
    """Review a change set left for review, refuse unapproved data at risk, execute it."""
    from litellm_cfn.deploy.changesets import ChangeSet

    stack = target.spec.stack_name
    with aws_errors(f"execute {change_set}"):
        change_type = target.deployer.settle(stack)
        description = target.cfn.describe_change_set(ChangeSetName=change_set, StackName=stack)
        left = ChangeSet(description["ChangeSetId"], created=False)
        review = target.deployer.review(left.id, stack)
        show_review(target.console, review, "text")
        refuse_unapproved(target, review, left, allowed)
        execute_reviewed(target, left, change_type, review, allowed)


def watch(target: Target) -> str:
    """Follow the stack's current (or last) operation, then guard it; its status."""
    from litellm_cfn.deploy.stack_state import REVIEW_IN_PROGRESS

    stack = target.spec.stack_name
    with aws_errors(f"watch {stack}"):
        status = target.deployer.status(stack)
        if status is None:
            raise LitellmCfnError(f"stack {stack} does not exist in {target.region}")
        if status == REVIEW_IN_PROGRESS:
            raise LitellmCfnError(
                f"stack {stack} in {target.region} is not created yet (REVIEW_IN_PROGRESS: "
                "a change set awaits review); nothing to watch"
            )
        (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
        since = described.get("LastUpdatedTime") or described["CreationTime"]
        then_guard(
            target,
            protected_ids(target),
            (),
            lambda: target.deployer.watch(described["StackId"], since),
        )
        return str(target.deployer.status(stack))


def destroy(target: Target, yes: bool) -> bool:
    """Delete the stacks after the stack name is typed (or `yes`); False if none exists."""
    stack = target.spec.stack_name
    with aws_errors(f"destroy {stack}"):
        if target.deployer.status(stack) is None:
            return False
        target.console.result(deletion_summary(target))
        if not yes:
            _confirm_by_name(target.console, stack)
        (described,) = target.cfn.describe_stacks(StackName=stack)["Stacks"]
        since = target.deployer.after_last_event(described["StackId"])
        with missing_protection_on_loopback(target, "had no termination protection to lift"):
            target.deployer.protect_from_deletion(stack, False)
        target.cfn.delete_stack(StackName=stack)
        try:
            target.deployer.watch(described["StackId"], since)
        except KeyboardInterrupt:
            stopped_watching(target)
        return True


def _confirm_by_name(console: Console, stack: str) -> None:
    stop_without_terminal(
        console, "not destroying without confirmation: run in a terminal, or add --yes"
    )
    typed = console.prompt(f"Type the stack name ({stack}) to destroy it")
    if typed != stack:
        raise InputError(f"{typed!r} is not {stack}: nothing was deleted")
