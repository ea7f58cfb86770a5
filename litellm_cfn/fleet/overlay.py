"""A target's overlay: dotted spec keys and their values, set over the spec's own data, and
where the resulting spec's problems were written.

An overlay sets values the spec has, or would have by default: `eks.node_groups.default.max_size`
on a spec that leaves out `eks` fills `eks` in from the spec's defaults first, so the rest of
the default node group stays as it was. Every key but the last must name a mapping the spec
has; a new entry (a node group of its own) is overlaid whole. The overlaid data is then
validated as the spec is, and each problem is located where its value was written: in the
fleet file at the overlay's key, or in the spec file.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from litellm_cfn.errors import Problem, shown
from litellm_cfn.spec.problems import known_keys
from litellm_cfn.spec.source import SourceMap, SpecPath, dotted

_KINDS = {
    type(None): "null",
    bool: "true/false",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
}
_PLAIN_KEY = re.compile(r"[\w:/=+@.-]{1,80}")


def fleet_dotted(path: SpecPath) -> str:
    """A fleet file's path as a reader names it, an overlay's dotted key in brackets:
    `targets.staging.overlay[rds.instance_class]`, `...overlay[eks.node_groups].default`."""
    if len(path) < 4 or path[0] != "targets" or path[2] != "overlay":
        return dotted(path)
    key = path[3]
    shown_key = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else shown(key, 40)
    head = f"{dotted(path[:3])}[{shown_key}]"
    rest = dotted(path[4:])
    if not rest:
        return head
    return head + (rest if rest.startswith("[") else f".{rest}")


class FleetSourceMap(SourceMap):
    """The fleet file's marks, its problems naming an overlay's key in brackets."""

    def problem(self, path: SpecPath, message: str, severity: str = "error") -> Problem:
        """A located problem at `path` of the fleet file."""
        mark = self.locate(path)
        return Problem(self.file, mark.line, mark.column, fleet_dotted(path), message, severity)


class OverlaySourceMap(SourceMap):
    """Where one target's overlaid spec was written: a path at or below an overlay key in the
    fleet file, at that key; any other in the spec file. The spec alone was valid, so a problem
    there is the overlay's doing (a rule between an overlaid value and the spec's): its message
    names the target."""

    def __init__(self, spec: SourceMap, fleet: SourceMap, target: str, keys: Iterable[str]) -> None:
        super().__init__(spec.file, spec.marks)
        self.fleet = fleet
        self.target = target
        self.keys: dict[SpecPath, str] = {tuple(key.split(".")): key for key in keys}

    def problem(self, path: SpecPath, message: str, severity: str = "error") -> Problem:
        """A located problem at `path` of the overlaid spec."""
        for end in range(len(path), 0, -1):
            key = self.keys.get(path[:end])
            if key is not None:
                fleet_path = ("targets", self.target, "overlay", key, *path[end:])
                return self.fleet.problem(fleet_path, message, severity)
        return super().problem(path, f"in target {self.target}: {message}", severity)


def apply_overlay(
    data: Mapping[str, Any], defaults: Mapping[str, Any], overlay: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """`data` (a spec as parsed) with each of `overlay`'s dotted keys set to its value; a key
    below one the spec leaves out fills that in from `defaults` (the spec as validated, dumped).
    Returns the new data, and each key that cannot be set with why."""
    result = copy.deepcopy(dict(data))
    refused: list[tuple[str, str]] = []
    for key, value in overlay.items():
        why = _set(result, defaults, key.split("."), copy.deepcopy(value))
        if why is not None:
            refused.append((key, why))
    return result, refused


def _set(data: dict[str, Any], defaults: Any, path: list[str], value: Any) -> str | None:
    """Set `value` at `path` below `data`, or say why it cannot be."""
    here, default = data, defaults
    for depth, part in enumerate(path[:-1]):
        parent = default
        default = default.get(part) if isinstance(default, dict) else None
        if part not in here:
            if not isinstance(parent, dict) or part not in parent:
                return _no_such_key(path[:depth], part, parent)
            if not isinstance(default, dict):
                return _not_a_mapping(path[: depth + 1], default)
            here[part] = copy.deepcopy(default)
        elif not isinstance(here[part], dict):
            return _not_a_mapping(path[: depth + 1], here[part])
        here = here[part]
    here[path[-1]] = value
    return None


def _no_such_key(parent: list[str], key: str, entries: Any) -> str:
    """Why an overlay cannot go below `key`: a model's unknown field, or a new entry of a
    mapping, which an overlay adds whole."""
    fields = known_keys(tuple(parent))
    if fields:
        guess = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        if guess:
            return f"unknown key {shown(key)}; did you mean '{guess[0]}'?"
        return f"unknown key {shown(key)}; expected one of: {', '.join(fields)}"
    where = ".".join(parent)
    names = [str(name) for name in entries] if isinstance(entries, dict) else []
    guess = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return (
        f"the spec has no {shown(key)} in {shown(where, 80)}{hint} (to add one, overlay "
        f"{shown(f'{where}.{key}', 80)} whole)"
    )


def _not_a_mapping(path: list[str], value: Any) -> str:
    kind = _KINDS.get(type(value), "a value")
    name = shown(".".join(path), 80)
    return f"{name} is {kind} in the spec, not a mapping: overlay {name} whole"
