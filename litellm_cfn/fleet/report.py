"""A rollout for a person or a machine: each stack set's predicted review, then the waves'
steps in the order they run, then what is removed after them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy import review as change_review
from litellm_cfn.fleet import plan as steps
from litellm_cfn.fleet.stacksets import place_text
from litellm_cfn.text import counted

if TYPE_CHECKING:
    from litellm_cfn.fleet.flow import Prepared, Rollout
    from litellm_cfn.fleet.model import Wave
    from litellm_cfn.fleet.plan import StackSetChange

_REMOVED = (
    "deletes the stack instance and its platform: the database leaves a final snapshot; "
    "keys, secrets and logs are kept"
)


def render_text(rollout: Rollout, prepared: Prepared, colour: bool = False) -> str:
    """The rollout for a person."""
    lines: list[str] = []
    for change in prepared.plan.changes:
        review = prepared.reviews.get(change.name)
        if change.new and review is not None:
            # Everything of a new stack set is added: its size, not 100 lines of "Add".
            lines.append(
                f"stack set {change.name}: new, {len(review.changes)} resources in "
                f"{len(review.stacks)} stacks (written to {_out(prepared, change.name)})"
            )
        else:
            lines.append(f"stack set {change.name}: {_state(change)}")
            if review is not None:
                text = change_review.render_text(review, colour)
                lines += ["  " + line if line else "" for line in text.splitlines()]
        lines.append("")
    waves = rollout.loaded.fleet.rollout_waves
    for number, wave in enumerate(waves, 1):
        planned = [s for s in prepared.plan.steps if s.wave == wave.name]
        if planned:
            lines.append(f"wave {number}/{len(waves)} {wave.name} ({_pace(wave)}):")
            lines += [f"  {_step(step)}" for step in planned]
    removals = [s for s in prepared.plan.steps if s.wave == steps.AFTER_THE_WAVES]
    if removals:
        lines.append("after every wave has succeeded:")
        lines += [f"  {_step(step)}" for step in removals]
        lines.append(f"  (each deletion {_REMOVED})")
    lines.append(_totals(prepared))
    return "\n".join(lines)


def _out(prepared: Prepared, name: str) -> str:
    from litellm_cfn.fleet.variants import variant_out

    return f"{variant_out(prepared.builds[name].variant)}/"


def _state(change: StackSetChange) -> str:
    if change.removed:
        return "no longer in the fleet: its instances are deleted, then the stack set"
    if change.new:
        return "new"
    return "new template" if change.template_changed else "template unchanged"


def _pace(wave: Wave) -> str:
    order = f": {', then '.join(wave.region_order)}" if wave.region_order else ""
    return (
        f"{wave.max_concurrent} at a time, {_tolerated(wave.failure_tolerance)} tolerated, "
        f"regions {wave.region_concurrency.lower()}{order}"
    )


def _tolerated(tolerance: int | str) -> str:
    return counted(tolerance, "failure") if isinstance(tolerance, int) else f"{tolerance} failures"


def _step(step: steps.Step) -> str:
    where = ", ".join(place_text(p) for p in step.places)
    if step.action == steps.NEW_TEMPLATE:
        what = f"new template to {where}" if where else "new template (no instance runs it yet)"
    else:
        what = f"{step.action} {where}".rstrip()
    return f"{step.stack_set}: {what}"


def _totals(prepared: Prepared) -> str:
    if prepared.plan.empty:
        return "no changes: every stack set runs the fleet's template in every target"

    def count(*actions: str) -> int:
        return sum(len(s.places) for s in prepared.plan.steps if s.action in actions)

    changing = len(prepared.plan.changes)
    return (
        f"{counted(changing, 'stack set')} {'changes' if changing == 1 else 'change'}: "
        f"{counted(count(steps.CREATE), 'instance')} to create, "
        f"{count(steps.UPDATE, steps.NEW_TEMPLATE)} to update, {count(steps.DELETE)} to delete"
    )


def render_json(prepared: Prepared) -> str:
    """The rollout for machines."""
    document: dict[str, Any] = {
        "stack_sets": [
            {
                "name": change.name,
                "new": change.new,
                "template_changed": change.template_changed,
                "removed": change.removed,
                "review": _review(prepared, change.name),
            }
            for change in prepared.plan.changes
        ],
        "steps": [
            {
                "wave": step.wave or None,
                "stack_set": step.stack_set,
                "action": step.action,
                "places": [place_text(p) for p in step.places],
            }
            for step in prepared.plan.steps
        ],
        "data_at_risk": sorted(
            c.qualified_id for r in prepared.reviews.values() for c in r.data_at_risk
        ),
        "removals": [f"{s}/{place_text(p)}" for s, p in prepared.plan.removals],
    }
    return json.dumps(document, indent=2)


def _review(prepared: Prepared, name: str) -> Any:
    review = prepared.reviews.get(name)
    return None if review is None else json.loads(change_review.render_json(review))
