"""Which property changes replace a resource, from the resource provider schemas cfn-lint ships.

A schema's `createOnlyProperties` are JSON pointers (`/properties/Name`, or deeper, as
`/properties/KubernetesNetworkConfig/IpFamily`, `*` standing for every item of a list): a new
value there makes CloudFormation create a new resource and delete the old one ("Always").
`conditionalCreateOnlyProperties` replace it only for some values ("Conditionally"). Values
that flow through Ref, GetAtt and Sub are known only at deploy time: a create-only property fed
by something that changes is a possible replacement, as a change set's `Dynamic` evaluation.
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

# The schemas differ little between regions in what they make create-only; one region is enough.
REGION = "us-east-1"
ALWAYS = "Always"
CONDITIONALLY = "Conditionally"
_STRENGTH = {CONDITIONALLY: 1, ALWAYS: 2}
_PREFIX = "/properties/"
# `${Name}` and `${Resource.Attribute}` in Fn::Sub; `${!Literal}` is text, not a reference.
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")

Reference = tuple[
    str, str, str | None
]  # ("Ref" | "GetAtt" | "Condition" | "Mapping", name, attribute)


@functools.cache
def _schema(resource_type: str) -> dict[str, Any] | None:
    # cfn-lint (with sympy and networkx) takes 0.4 s to import: only when a review is made.
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource_type).schema
    except ResourceNotFoundError:
        return None


def known(resource_type: str) -> bool:
    """Whether cfn-lint ships a schema for the type (a private registry type has none)."""
    return _schema(resource_type) is not None


@functools.cache
def create_only(resource_type: str) -> tuple[frozenset[str], frozenset[str]]:
    """The type's always and conditionally create-only property paths, as `A` or `A/B` (the
    schema's pointer without `/properties/`); both empty for a type without a schema."""
    schema = _schema(resource_type) or {}

    def paths(key: str) -> frozenset[str]:
        pointers = schema.get(key) or []
        return frozenset(p.removeprefix(_PREFIX) for p in pointers if p.startswith(_PREFIX))

    return paths("createOnlyProperties"), paths("conditionalCreateOnlyProperties")


@functools.cache
def stable_attributes(resource_type: str) -> frozenset[str]:
    """GetAtt attributes an in-place update keeps: `Arn` and the primary identifier's parts."""
    pointers = (_schema(resource_type) or {}).get("primaryIdentifier") or []
    return frozenset({"Arn"} | {p.removeprefix(_PREFIX).replace("/", ".") for p in pointers})


def references(value: Any) -> Iterator[Reference]:
    """Every Ref, GetAtt (attribute None when computed), Sub name, condition and mapping a
    template value uses."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key in ("Ref", "Condition") and isinstance(argument, str):
            yield (key, argument, None)
            return
        if key == "Fn::GetAtt":
            yield from _get_att(argument)
            return
        if key == "Fn::Sub":
            yield from _sub(argument)
            return
        if key in ("Fn::If", "Fn::FindInMap") and isinstance(argument, list) and argument:
            if isinstance(argument[0], str):
                yield ("Condition" if key == "Fn::If" else "Mapping", argument[0], None)
            yield from references(argument[1:] if key == "Fn::If" else argument)
            return
    for item in value.values():
        yield from references(item)


def _get_att(argument: Any) -> Iterator[Reference]:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        attribute = argument[1] if isinstance(argument[1], str) else None
        yield ("GetAtt", argument[0], attribute)
        yield from references(argument[1])


def _sub(argument: Any) -> Iterator[Reference]:
    text, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
    local = variables if isinstance(variables, dict) else {}
    for name in _SUB_NAME.findall(text if isinstance(text, str) else ""):
        name = name.strip()
        if name in local:
            continue
        resource, dot, attribute = name.partition(".")
        yield ("GetAtt", resource, attribute) if dot else ("Ref", name, None)
    yield from references(variables)


def _at(value: Any, parts: list[str]) -> Any:
    """The value a create-only pointer names below a property: `*` maps over a list, and an
    intrinsic (or a scalar) met on the way stands whole for everything below it."""
    for index, part in enumerate(parts):
        if part == "*" and isinstance(value, list):
            return [_at(item, parts[index + 1 :]) for item in value]
        if not isinstance(value, dict) or _intrinsic(value):
            return value
        value = value.get(part)
    return value


def _intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and any(key == "Ref" or key.startswith("Fn::") for key in value)


def property_changes(
    resource_type: str, old: dict[str, Any], new: dict[str, Any], moves: Callable[[Any], bool]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The top-level properties that change (a literal difference, or a value `moves`: it
    references something that changes), and those that force recreation, each with its
    strongest RequiresRecreation. A type without a schema: every change `Conditionally`."""
    changed = sorted(
        name
        for name in old.keys() | new.keys()
        if old.get(name) != new.get(name) or moves(new.get(name))
    )
    if not known(resource_type):
        return tuple(changed), tuple((name, CONDITIONALLY) for name in changed)
    always, conditionally = create_only(resource_type)
    needs: dict[str, str] = {}
    for path, kind in [(p, ALWAYS) for p in always] + [(p, CONDITIONALLY) for p in conditionally]:
        top, *below = path.split("/")
        if top not in changed:
            continue
        before, after = _at(old.get(top), below), _at(new.get(top), below)
        # A value known only at deploy time may or may not differ: at most a possible replacement.
        need = kind if before != after else CONDITIONALLY if moves(after) else None
        if need and _STRENGTH[need] > _STRENGTH.get(needs.get(top, ""), 0):
            needs[top] = need
    return tuple(changed), tuple(sorted(needs.items()))


def replacement(recreation: tuple[tuple[str, str], ...]) -> str:
    """The change set's Replacement for these causes: True when one is certain."""
    if any(need == ALWAYS for _, need in recreation):
        return "True"
    return "Conditional" if recreation else "False"
