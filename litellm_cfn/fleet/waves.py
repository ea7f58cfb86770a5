"""Running a planned rollout: its steps in order, wave by wave, each operation waited for
with progress per target, stopping at the first wave that fails (the later waves never
start, and nothing is removed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.changesets import poll_seconds
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.fleet import plan as steps
from litellm_cfn.fleet.operations import OperationFailed, Permissions, StackSetOperations
from litellm_cfn.fleet.stacksets import describe
from litellm_cfn.fleet.variants import fleet_name
from litellm_cfn.text import counted

if TYPE_CHECKING:
    from litellm_cfn.fleet.flow import Prepared, Rollout
    from litellm_cfn.fleet.plan import Step

# Removing platforms is never hurried: one account at a time, stopping at the first failure.
REMOVAL_PREFERENCES = {"MaxConcurrentCount": 1, "FailureToleranceCount": 0}


def run_plan(rollout: Rollout, prepared: Prepared) -> None:
    """Run every step of the plan; the first failed operation stops the rollout."""
    fleet = rollout.loaded.fleet
    waves = {wave.name: wave for wave in fleet.rollout_waves}
    order = [wave.name for wave in fleet.rollout_waves]
    echo = rollout.console.progress
    poll = poll_seconds()
    current: str | None = None
    for step in prepared.plan.steps:
        if step.wave != current:
            current = step.wave
            echo(
                f"wave {order.index(step.wave) + 1}/{len(order)} {step.wave}:"
                if step.wave
                else "after the waves: removing what is no longer a target"
            )
        preferences = waves[step.wave].operation_preferences() if step.wave else REMOVAL_PREFERENCES
        operations = StackSetOperations(
            rollout.cfn, _permissions(rollout, prepared, step), echo, poll
        )
        try:
            _perform(rollout, prepared, operations, step, preferences)
        except OperationFailed as failure:
            raise LitellmCfnError(_stopped(rollout, step, failure)) from None
    echo(_summary(prepared))


def _permissions(rollout: Rollout, prepared: Prepared, step: Step) -> Permissions:
    build = prepared.builds.get(step.stack_set)
    if build is not None:
        return build.permissions
    organization = rollout.loaded.fleet.organization  # a stack set the fleet no longer has
    if organization is None:
        return Permissions()
    return Permissions(model="SERVICE_MANAGED", call_as=organization.call_as)


def _perform(
    rollout: Rollout,
    prepared: Prepared,
    operations: StackSetOperations,
    step: Step,
    preferences: dict[str, Any],
) -> None:
    name = step.stack_set
    if step.action == steps.DELETE:
        operations.delete_instances(name, step.places, preferences)
        return
    if step.action == steps.DELETE_STACK_SET:
        operations.delete_stack_set(name)
        return
    if step.action == steps.UPDATE:
        operations.update_instances(name, step.places, preferences)
        return
    if step.action == steps.CREATE:
        operations.create_instances(name, step.places, preferences)
        return
    packaged = prepared.builds[name].packaged
    description = describe(fleet_name(rollout.loaded), name, packaged.root_sha256)
    if step.action == steps.CREATE_STACK_SET:
        operations.create_stack_set(name, packaged, description)
    else:
        operations.update_template(name, packaged, description, step.places, preferences)


def _stopped(rollout: Rollout, step: Step, failure: OperationFailed) -> str:
    fleet = rollout.loaded.path
    where = f"wave {step.wave}" if step.wave else "removing what is no longer a target"
    later = (
        "the later waves did not start and nothing was removed"
        if step.wave
        else "every wave had succeeded"
    )
    return (
        f"{where} failed: {failure}. {later.capitalize()}; see each instance with "
        f"`litellm-cfn fleet status {fleet}`, fix the cause, and run `litellm-cfn fleet "
        f"deploy {fleet}` again: it goes on from where this rollout stopped"
    )


def _summary(prepared: Prepared) -> str:
    def count(*actions: str) -> int:
        return sum(len(s.places) for s in prepared.plan.steps if s.action in actions)

    return (
        f"rolled out: {counted(count(steps.CREATE), 'instance')} created, "
        f"{count(steps.UPDATE, steps.NEW_TEMPLATE)} updated, {count(steps.DELETE)} deleted"
    )
