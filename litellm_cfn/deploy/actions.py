"""What each deploy command does, as a plain function over a Target: the CLI parses the
options, loads the target and calls one of these. AWS errors are translated here, each
naming the operation; approvals and Ctrl-C end as the exceptions the CLI edge reports.
"""

from __future__ import annotations

import gc

from litellm_cfn.deploy.aws import aws_errors
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import (
    Target,
    approve_or_stop,
    ask_to_execute,
    deletion_summary,
    execute_reviewed,
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
            deployer.execute(BOOTSTRAP_STACK, change_set, None)
        return str(artifact_bucket(cfn))


def diff(target: Target, bucket: str | None, output: str, keep: bool) -> None:
    """Review what a deploy would change; delete the change set unless `keep`."""
    stack = target.spec.stack_name
    with aws_errors(f"diff {stack}"):
        # A change set creating a stack comes with an empty stack (REVIEW_IN_PROGRESS):
        # remove it with the change set, unless it was there before.
        created_here = target.deployer.status(stack) is None
        try:
            prepared = prepare(target, bucket, recreate_failed=False)
            if prepared.change_set_id is None or prepared.review is None:
                show_no_changes(target, output)
                return
            show_review(target.console, prepared.review, output)
            if keep:
                target.echo(f"change set kept: {prepared.change_set_id}")
            else:
                target.cfn.delete_change_set(ChangeSetName=prepared.change_set_id)
        finally:
            if created_here and not keep:
                target.deployer.discard_empty(stack)


def deploy(
    target: Target,
    bucket: str | None,
    output: str,
    allowed: tuple[str, ...],
    yes: bool,
    no_execute: bool,
    recreate_failed: bool,
) -> None:
    """Review, refuse unapproved data at risk, ask, execute, watch and guard."""
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
        prepared = prepare(target, bucket, recreate_failed)
        if prepared.change_set_id is None or prepared.review is None:
            show_no_changes(target, output)
            return
        show_review(target.console, prepared.review, output)
        refuse_unapproved(target, prepared.review, prepared.change_set_id, allowed)
        if no_execute:
            target.echo(
                f"change set left for review: {prepared.change_set_id}\n"
                f"execute it with: litellm-cfn execute {target.spec_path} "
                f"{prepared.change_set_id}"
            )
            return
        if not yes:
            ask_to_execute(target, prepared.change_set_id, target.spec_path)
        execute_reviewed(
            target, prepared.change_set_id, prepared.change_type, prepared.review, allowed
        )


def execute(target: Target, change_set: str, allowed: tuple[str, ...]) -> None:
    """Review a change set left for review, refuse unapproved data at risk, execute it."""
    stack = target.spec.stack_name
    with aws_errors(f"execute {change_set}"):
        change_type = target.deployer.settle(stack)
        description = target.cfn.describe_change_set(ChangeSetName=change_set, StackName=stack)
        review = target.deployer.review(description["ChangeSetId"], stack)
        show_review(target.console, review, "text")
        refuse_unapproved(target, review, description["ChangeSetId"], allowed)
        execute_reviewed(target, description["ChangeSetId"], change_type, review, allowed)


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
