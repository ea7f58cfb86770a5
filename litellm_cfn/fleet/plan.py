"""What a rollout does, decided from the fleet as declared and the stack sets as AWS holds
them, by our own comparison (template hashes and places), never an endpoint's word: pure
data in, steps out.

Waves run in order. A stack set's new template goes out with the first wave that holds one
of its instances: UpdateStackSet restricted to that wave's accounts and regions, which marks
every other instance OUTDATED until a later wave updates it with the same template
(UsePreviousTemplate). Instances a wave adds are created after that, so they start from the
new template; a wave that only adds instances while older ones wait in later waves creates
them first, then moves just them to the new template. Removals come after every wave has
succeeded, so a failed rollout never deletes anything.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from litellm_cfn.fleet.stacksets import Place, StackSetState

CREATE_STACK_SET = "create stack set"
NEW_TEMPLATE = "new template"
UPDATE = "update"
CREATE = "create"
DELETE = "delete"
DELETE_STACK_SET = "delete stack set"
AFTER_THE_WAVES = ""  # the wave of removals


@dataclass(frozen=True)
class Desired:
    """One stack set as the fleet declares it: its packaged template's hash and, for each
    wave by name, the places it runs in."""

    name: str
    template_sha256: str
    places: Mapping[str, tuple[Place, ...]]

    @property
    def every_place(self) -> set[Place]:
        """Every place of every wave."""
        return {place for places in self.places.values() for place in places}


@dataclass(frozen=True)
class Step:
    """One call, waited for: `action` on `stack_set` at `places`, in `wave`."""

    wave: str
    stack_set: str
    action: str
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class StackSetChange:
    """How one stack set changes: whether it is new, gets a new template or goes away."""

    name: str
    new: bool
    template_changed: bool
    removed: bool = False


@dataclass(frozen=True)
class FleetPlan:
    """Every stack set's change and the steps, in the order they run."""

    changes: tuple[StackSetChange, ...]
    steps: tuple[Step, ...]

    @property
    def empty(self) -> bool:
        """Nothing to do: every template and every place is as declared."""
        return not self.steps

    @property
    def removals(self) -> list[tuple[str, Place]]:
        """The instances the rollout deletes, by stack set."""
        return [(s.stack_set, p) for s in self.steps if s.action == DELETE for p in s.places]


def plan(
    waves: Sequence[str],
    desired: Sequence[Desired],
    actual: Mapping[str, StackSetState],
    by_unit: bool = False,
) -> FleetPlan:
    """The steps that take the stack sets in `actual` to `desired`, wave by wave; a stack set
    in `actual` that is not desired is emptied and deleted after the waves."""
    changes: list[StackSetChange] = []
    steps: list[Step] = []
    removals: list[Step] = []
    for stack_set in desired:
        state = actual.get(stack_set.name) or StackSetState(stack_set.name, None)
        change, own, removed = _stack_set_steps(waves, stack_set, state, by_unit)
        steps += own
        removals += removed
        if change.new or change.template_changed or own or removed:
            changes.append(change)
    wanted = {d.name for d in desired}
    for name, state in sorted(actual.items()):
        if name in wanted or not state.exists:
            continue
        changes.append(StackSetChange(name, new=False, template_changed=False, removed=True))
        places = tuple(sorted(state.places(by_unit)))
        if places:
            removals.append(Step(AFTER_THE_WAVES, name, DELETE, places))
        removals.append(Step(AFTER_THE_WAVES, name, DELETE_STACK_SET))
    in_order = sorted(steps, key=lambda step: list(waves).index(step.wave))  # stable
    return FleetPlan(tuple(changes), tuple(in_order + removals))


def _stack_set_steps(
    waves: Sequence[str], desired: Desired, state: StackSetState, by_unit: bool
) -> tuple[StackSetChange, list[Step], list[Step]]:
    existing = state.places(by_unit) if state.exists else {}
    changed = state.exists and state.template_sha256 != desired.template_sha256
    change = StackSetChange(desired.name, new=not state.exists, template_changed=changed)
    steps: list[Step] = []
    first = next((w for w in waves if desired.places.get(w)), waves[0])
    if not state.exists:
        steps.append(Step(first, desired.name, CREATE_STACK_SET))
    pending = changed
    if changed and not existing:
        # No instance at all: an unrestricted update touches nothing. With instances, it would
        # update every one of them, those about to be removed included.
        steps.append(Step(first, desired.name, NEW_TEMPLATE))
        pending = False
    for wave in waves:
        places = desired.places.get(wave, ())
        old = tuple(p for p in places if p in existing)
        new = tuple(p for p in places if p not in existing)
        if pending and old:
            steps.append(Step(wave, desired.name, NEW_TEMPLATE, old))
            pending = False
        else:
            stale = tuple(p for p in old if changed or existing[p].status != "CURRENT")
            if stale:
                steps.append(Step(wave, desired.name, UPDATE, stale))
        if new:
            steps.append(Step(wave, desired.name, CREATE, new))
        if pending and new:
            steps.append(Step(wave, desired.name, NEW_TEMPLATE, new))
            pending = False
    gone = tuple(sorted(set(existing) - desired.every_place))
    removals = [Step(AFTER_THE_WAVES, desired.name, DELETE, gone)] if gone else []
    return change, steps, removals
