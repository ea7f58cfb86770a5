"""The fleet's rules that span its targets and waves, each a Violation at its own place."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from litellm_cfn.errors import shown
from litellm_cfn.fleet.preferences import strict_concurrency
from litellm_cfn.spec.base import Violation

if TYPE_CHECKING:
    from litellm_cfn.fleet.model import FleetSpec

STACK_SET_NAME_LIMIT = 128

# What an overlay may not change, and why.
NOT_OVERLAID = {
    "region": "may not be overlaid: a target's regions come from its `regions`",
    "catalog": "may not be overlaid: the catalog is published once, from the spec itself",
}

_SERVICE = "service-managed permissions (organization is set) deploy to organizational units"
_SELF = "self-managed permissions (no organization) deploy to accounts"


def overlay_keys(keys: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """Keys an overlay may not set: `region` and `catalog`, and a key below another one
    (`eks` and `eks.cluster_name`: which would win?)."""
    paths = {tuple(key.split(".")): key for key in keys}
    found: list[tuple[tuple[str, ...], str]] = []
    for path, key in paths.items():
        if path[0] in NOT_OVERLAID:
            found.append((("overlay", key), NOT_OVERLAID[path[0]]))
            continue
        wider = next(
            (paths[path[:end]] for end in range(1, len(path)) if path[:end] in paths), None
        )
        if wider is not None:
            found.append(
                (
                    ("overlay", key),
                    f"overlaps {shown(wider)}, also in this overlay: set one or the other",
                )
            )
    return found


def fleet_rules(fleet: FleetSpec) -> list[Violation]:
    """Every violated rule of a fleet whose sections are each valid."""
    return [
        *(
            (("targets", name, *place), message)
            for name, target in fleet.targets.items()
            for place, message in overlay_keys(tuple(target.overlay))
        ),
        *_permission_model(fleet),
        *(
            (("waves", index, "max_concurrent"), violation[1])
            for index, wave in enumerate(fleet.waves or ())
            if (violation := strict_concurrency(wave)) is not None
        ),
        *_one_wave_each(fleet),
        *_region_orders(fleet),
        *_stack_set_names_fit(fleet),
    ]


def _permission_model(fleet: FleetSpec) -> list[Violation]:
    """Service-managed stack sets deploy to organizational units, self-managed to accounts."""
    found: list[Violation] = []
    service = fleet.organization is not None
    for name, target in fleet.targets.items():
        place = ("targets", name)
        if service and target.accounts is not None:
            found.append(((*place, "accounts"), f"{_SERVICE}, not accounts: give those"))
        elif service and target.organizational_units is None:
            found.append((place, f"needs organizational_units: {_SERVICE}"))
        elif not service and target.organizational_units is not None:
            found.append(
                (
                    (*place, "organizational_units"),
                    f"{_SELF}, not organizational units: give accounts, or set organization "
                    "for service-managed permissions",
                )
            )
        elif not service and target.accounts is None:
            found.append((place, f"needs accounts: {_SELF}"))
    if service and "permissions" in fleet.model_fields_set:
        found.append(
            (
                "permissions",
                "service-managed permissions (organization is set) use the roles AWS "
                "Organizations makes: remove permissions, or organization for self-managed ones",
            )
        )
    return found


def _one_wave_each(fleet: FleetSpec) -> list[Violation]:
    """Wave names are unique, and every target is in exactly one wave."""
    if fleet.waves is None:
        return []
    found: list[Violation] = []
    waves: dict[str, int] = {}
    placed: dict[str, str] = {}
    for index, wave in enumerate(fleet.waves):
        if wave.name in waves:
            found.append(
                (("waves", index, "name"), f"{shown(wave.name)} names an earlier wave too")
            )
        waves.setdefault(wave.name, index)
        for at, target in enumerate(wave.targets):
            place = ("waves", index, "targets", at)
            if target not in fleet.targets:
                found.append((place, _no_target(target, list(fleet.targets))))
            elif target in placed:
                found.append(
                    (
                        place,
                        f"{shown(target)} is in wave {shown(placed[target])} already: each "
                        "target deploys in exactly one wave",
                    )
                )
            else:
                placed[target] = wave.name
    for name in fleet.targets:
        if name not in placed:
            found.append(
                (
                    ("targets", name),
                    "is in no wave: add it to one wave's targets (each target "
                    "deploys in exactly one wave)",
                )
            )
    return found


def _no_target(name: str, targets: list[str]) -> str:
    guess = difflib.get_close_matches(name, targets, n=1, cutoff=0.6)
    if guess:
        return f"no target is named {shown(name)}; did you mean {guess[0]!r}?"
    listed = ", ".join(targets[:10]) + (", ..." if len(targets) > 10 else "")
    return f"no target is named {shown(name)}; the targets are {listed}"


def _region_orders(fleet: FleetSpec) -> list[Violation]:
    """A wave's region order names regions its targets deploy to."""
    found: list[Violation] = []
    for index, wave in enumerate(fleet.waves or ()):
        targets = [fleet.targets[name] for name in wave.targets if name in fleet.targets]
        regions = sorted({region for target in targets for region in target.regions})
        listed = ", ".join(regions[:10]) + (", ..." if len(regions) > 10 else "")
        for at, region in enumerate(wave.region_order or ()):
            if region not in regions:
                found.append(
                    (
                        ("waves", index, "region_order", at),
                        f"{shown(region)} is not a region of this wave's targets ({listed})",
                    )
                )
    return found


def _stack_set_names_fit(fleet: FleetSpec) -> list[Violation]:
    """A target with an overlay gets the stack set `<name>-<target>`, 128 characters at most.
    (The default name, `<platform name>-<environment>`, leaves room for any target's.)"""
    if fleet.name is None:
        return []
    found: list[Violation] = []
    for name, target in fleet.targets.items():
        length = len(fleet.name) + 1 + len(name)
        if target.overlay and length > STACK_SET_NAME_LIMIT:
            found.append(
                (
                    ("targets", name),
                    f"its stack set's name, <name>-{name}, would have {length} characters, "
                    f"over the {STACK_SET_NAME_LIMIT} StackSets allows: shorten name",
                )
            )
    return found
