"""Executing a reviewed change set under the stack policies: guard, execute, watch, guard
again, and termination protection once the stack exists; what stays open after a failure or
Ctrl-C is said, with the command that closes it (`watch`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.flow import Target, abandon, abandoned_on_failure, one_line
from litellm_cfn.errors import Interrupted, LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.deploy.changesets import ChangeSet
    from litellm_cfn.deploy.guard import Guarded
    from litellm_cfn.deploy.review import Review


def execute_reviewed(
    target: Target,
    change_set: ChangeSet,
    change_type: str,
    review: Review,
    allowed: tuple[str, ...],
) -> None:
    """Guard, execute, watch, then re-guard and print the outputs."""
    from litellm_cfn.deploy.outputs import as_table, read_outputs
    from litellm_cfn.deploy.review import NESTED_STACK

    spec = target.spec
    protected = protected_ids(target)
    with abandoned_on_failure(target, change_set):
        guard_or_name_the_open(target, protected, allowed)
    total = sum(1 for c in review.changes if c.resource_type != NESTED_STACK)
    started = True

    def not_started() -> None:
        nonlocal started
        started = False
        abandon(target, change_set)

    then_guard(
        target,
        protected,
        allowed,
        lambda: target.deployer.execute(spec.stack_name, change_set.id, total, not_started),
        going_on=lambda: started,
    )
    target.echo(f"{spec.stack_name}: {change_type} complete")
    target.echo(as_table(read_outputs(target.cfn, spec.stack_name)))


def protected_ids(target: Target) -> Guarded:
    """The stateful logical ids the stack policies guard, per stack."""
    from litellm_cfn.deploy.guard import stateful_ids

    return stateful_ids(target.compiled)


def guard_or_name_the_open(target: Target, protected: Guarded, allowed: tuple[str, ...]) -> None:
    """Set the stack policies; if some stay lifted after a failure, say how to close them."""
    from litellm_cfn.deploy.guard import PoliciesLeftOpen

    try:
        target.deployer.guard(target.spec.stack_name, protected, allowed)
    except PoliciesLeftOpen as open_:
        raise LitellmCfnError(
            f"{open_}. Set it again with: litellm-cfn watch {target.spec_path}"
        ) from None


def then_guard(
    target: Target,
    protected: Guarded,
    allowed: tuple[str, ...],
    run: Callable[[], Any],
    going_on: Callable[[], bool] = lambda: True,
) -> None:
    """Run an execution or a watch, then set the strict stack policy again, whether it
    succeeded or failed: `--allow-replace` holds for one execution only. After Ctrl-C an
    execution that has started goes on and needs the lifted policy, so it stays until the
    next watch; after success, termination protection goes on too."""
    try:
        run()
    except KeyboardInterrupt:
        if going_on():
            stopped_watching(target, allowed)
        _guard_keeping_the_error(target, protected)
        raise Interrupted("\ninterrupted before the execution started: nothing changed") from None
    except Exception:
        _guard_keeping_the_error(target, protected)
        raise
    guard_or_name_the_open(target, protected, ())
    protect_from_deletion(target)


def protect_from_deletion(target: Target) -> None:
    """Termination protection on the root stack, once it exists."""
    from litellm_cfn.deploy.guard import protect_from_deletion as protect

    with missing_protection_on_loopback(target, "has no termination protection"):
        protect(target.cfn, target.spec.stack_name)


@contextmanager
def missing_protection_on_loopback(target: Target, consequence: str) -> Iterator[None]:
    """moto does not implement UpdateTerminationProtection and answers a generic HTTP 500
    page: only that call, only on a loopback endpoint, is a warning; any other failure, and
    that one anywhere else, fails the command like any other failed guard."""
    from litellm_cfn.deploy.retries import EndpointFailed

    try:
        yield
    except EndpointFailed as failure:
        if not (failure.on_loopback and failure.operation.endswith("UpdateTerminationProtection")):
            raise
        target.console.warn(
            f"warning: {target.spec.stack_name} {consequence}: the local endpoint "
            f"{failure.endpoint} does not implement UpdateTerminationProtection (AWS does)"
        )


def _guard_keeping_the_error(target: Target, protected: Guarded) -> None:
    """Re-guard after a failure; if that fails too, say so, and let the failure be reported."""
    try:
        target.deployer.guard(target.spec.stack_name, protected, ())
    except Exception as error:
        target.console.warn(
            f"could not set the strict stack policy again ({one_line(error)}); "
            f"`litellm-cfn watch {target.spec_path}` sets it once the stack settles"
        )


def stopped_watching(target: Target, allowed: tuple[str, ...] = ()) -> None:
    """Ctrl-C: stop, saying the deployment goes on, what stays open until it settles, and
    how to watch it again, which closes it (exit 130)."""
    lifted = (
        f"; the stack policy stays lifted for {', '.join(allowed)} until then" if allowed else ""
    )
    raise Interrupted(
        f"\nstopped watching {target.spec.stack_name}; the deployment goes on. "
        f"Resume with: litellm-cfn watch {target.spec_path} (it sets the strict stack policy "
        f"and termination protection once the stack settles{lifted})"
    )
