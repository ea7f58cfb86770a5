"""The review a change set would give, predicted from the old and new templates alone.

StackSets have no change sets, so before updating one the review is computed here: each
resource added, removed or modified, and whether the modification replaces it, from the
create-only properties of the resource provider schemas (`replacement`). What a change set
evaluates `Dynamic` is predicted too: a value that references something changing (a replaced
resource, a changed parameter, a nested stack's changed output) is changed, its new value
unknown, so a create-only property fed by it is a possible replacement ("Conditional"). A
GetAtt of a resource updated in place changes too, unless it reads `Arn` or the primary
identifier, or the update was of tags alone.

Kept simple on purpose: conditions and mappings compare as literal expressions (a changed one
changes every value that uses it); a resource whose `Condition` changes is a Modify, although
CloudFormation may add or delete it; the root's own parameters and `Fn::ImportValue` are taken
not to change, as their values are not in the templates.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litellm_cfn.deploy.review import NESTED_STACK, Change, Review, StackReview
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.fleet import replacement
from litellm_cfn.fleet.replacement import ALWAYS

# Resource attributes a change set shows as modified in place, under their own names.
ATTRIBUTES = (
    "Condition",
    "CreationPolicy",
    "DeletionPolicy",
    "DependsOn",
    "Metadata",
    "UpdatePolicy",
    "UpdateReplacePolicy",
)
# An update of tags alone changes no attribute a GetAtt can read.
_TAGS = frozenset({"Tags"})


@dataclass(frozen=True)
class Templates:
    """A platform's templates as plain dicts: the root, and each nested stack's template by
    the nested stack's logical id in the root (e.g. "RdsStack")."""

    root: dict[str, Any]
    nested: dict[str, dict[str, Any]]


@dataclass
class _Moving:
    """What changes in one template, as far as resolved: the values references to it see."""

    types: dict[str, str]
    replaced: set[str] = field(default_factory=set)  # added or (possibly) replaced
    modified: set[str] = field(default_factory=set)  # in place, beyond tags
    parameters: set[str] = field(default_factory=set)
    conditions: set[str] = field(default_factory=set)
    mappings: set[str] = field(default_factory=set)
    outputs: dict[str, frozenset[str]] = field(default_factory=dict)  # nested stack's changed

    def moves(self, value: Any) -> bool:
        """Whether `value` references anything that changes."""
        return any(self._moves(*ref) for ref in replacement.references(value))

    def _moves(self, kind: str, name: str, attribute: str | None) -> bool:
        if kind == "Ref":
            return name in self.replaced or name in self.parameters
        if kind == "Condition":
            return name in self.conditions
        if kind == "Mapping":
            return name in self.mappings
        if name in self.replaced:
            return True
        if name in self.outputs and attribute and attribute.startswith("Outputs."):
            return attribute.removeprefix("Outputs.") in self.outputs[name]
        stable = replacement.stable_attributes(self.types.get(name, ""))
        return name in self.modified and attribute not in stable


# Analyses a nested stack once its root resource is reached: (logical id, old and new root
# resource, the root's _Moving) -> the nested stack's changed outputs and whether its template
# differs; None when the templates do not have it.
Opener = Callable[
    [str, dict[str, Any] | None, dict[str, Any], _Moving], tuple[frozenset[str], bool] | None
]


def predict(stack: str, old: Templates | None, new: Templates) -> Review:
    """The review a change set would give for updating the platform from `old` to `new`
    (None: nothing deployed yet, everything is added)."""
    before = old or Templates(root={}, nested={})
    reviews: dict[str, StackReview] = {}

    def open_nested(
        logical_id: str,
        old_resource: dict[str, Any] | None,
        new_resource: dict[str, Any],
        root: _Moving,
    ) -> tuple[frozenset[str], bool] | None:
        template = new.nested.get(logical_id)
        if template is None:
            return None
        previous = before.nested.get(logical_id, {}) if old_resource else {}
        passed = _passed(old_resource, new_resource, previous, template, root)
        name = f"{stack}/{logical_id}"
        reviews[logical_id], outputs = _review(name, previous, template, passed, None)
        return outputs, previous != template

    root, _ = _review(stack, before.root, new.root, _defaults(before.root, new.root), open_nested)
    kept = [reviews[name] for name in _resources(new.root) if name in reviews]
    gone = [
        _review(f"{stack}/{name}", before.nested[name], {}, set(), None)[0]
        for name in _resources(before.root)
        if name not in _resources(new.root) and name in before.nested
    ]
    return Review(stacks=(root, *kept, *gone))


def _resources(template: dict[str, Any]) -> dict[str, Any]:
    return template.get("Resources") or {}


def _passed(
    old_resource: dict[str, Any] | None,
    new_resource: dict[str, Any],
    old_template: dict[str, Any],
    new_template: dict[str, Any],
    root: _Moving,
) -> set[str]:
    """The nested template's parameters whose values change: the root passes a different
    expression, or one that references something changing, or the default changed."""
    old_values = ((old_resource or {}).get("Properties") or {}).get("Parameters") or {}
    new_values = (new_resource.get("Properties") or {}).get("Parameters") or {}
    old_declared = old_template.get("Parameters") or {}
    changed = set()
    for name, declared in (new_template.get("Parameters") or {}).items():
        before = old_values.get(name, (old_declared.get(name) or {}).get("Default"))
        after = new_values.get(name, declared.get("Default"))
        if name not in old_declared or before != after or root.moves(after):
            changed.add(name)
    return changed


def _review(
    stack: str,
    old: dict[str, Any],
    new: dict[str, Any],
    parameters: set[str],
    opener: Opener | None,
) -> tuple[StackReview, frozenset[str]]:
    """One template's changes, resources resolved in dependency order, and its outputs that
    change."""
    olds, news = _resources(old), _resources(new)
    moving = _Moving(types={name: r.get("Type", "") for name, r in news.items()})
    moving.parameters = parameters
    moving.mappings = _changed(old, new, "Mappings")
    moving.conditions = _conditions(old, new, moving)
    found: dict[str, Change] = {}
    for logical_id in _in_dependency_order(stack, news):
        change = _resolve(stack, logical_id, olds.get(logical_id), news[logical_id], moving, opener)
        if change:
            found[logical_id] = change
    changes = [found[name] for name in news if name in found] + [
        Change(stack, "Remove", name, resource.get("Type", ""), "False")
        for name, resource in olds.items()
        if name not in news
    ]
    outputs = _changed(old, new, "Outputs", lambda output: output.get("Value")) | {
        name
        for name, output in (new.get("Outputs") or {}).items()
        if moving.moves(output.get("Value"))
    }
    return StackReview(stack, "", tuple(changes)), frozenset(outputs)


def _changed(
    old: dict[str, Any],
    new: dict[str, Any],
    section: str,
    value: Callable[[Any], Any] = lambda entry: entry,
) -> set[str]:
    """The entries of a section (Mappings, Conditions, Outputs) new or literally different."""
    before, after = old.get(section) or {}, new.get(section) or {}
    return {
        name
        for name, entry in after.items()
        if name not in before or value(before[name]) != value(entry)
    }


def _defaults(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The root's parameters that change: new ones, and those whose default changed (the
    values given at deploy time are not in the templates)."""
    return _changed(old, new, "Parameters", lambda declared: declared.get("Default"))


def _conditions(old: dict[str, Any], new: dict[str, Any], moving: _Moving) -> set[str]:
    """Conditions whose expression changed, or uses a changed parameter or condition."""
    changed = _changed(old, new, "Conditions")
    expressions = new.get("Conditions") or {}
    while True:
        moving.conditions = changed
        more = {name for name, expression in expressions.items() if moving.moves(expression)}
        if more <= changed:
            return changed
        changed = changed | more


def _in_dependency_order(stack: str, resources: dict[str, Any]) -> list[str]:
    """The resources, each after every resource whose value it references."""
    graph = {
        name: {
            ref_name
            for kind, ref_name, _ in replacement.references(resource)
            if kind in ("Ref", "GetAtt") and ref_name in resources and ref_name != name
        }
        for name, resource in resources.items()
    }
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise LitellmCfnError(
            f"{stack}: the template's resources reference in a cycle: {error.args[1]}"
        ) from error


def _resolve(
    stack: str,
    logical_id: str,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    moving: _Moving,
    opener: Opener | None,
) -> Change | None:
    """The resource's change, recording what it makes change for those resolved after it."""
    resource_type = new.get("Type", "")
    nested = None
    if opener and resource_type == NESTED_STACK:
        nested = opener(logical_id, old, new, moving)
        if nested is not None:
            moving.outputs[logical_id] = nested[0]
    if old is None:
        moving.replaced.add(logical_id)
        return Change(stack, "Add", logical_id, resource_type, "False")
    change = _modified(stack, logical_id, old, new, moving, nested[1] if nested else None)
    if change and change.replacement != "False":
        moving.replaced.add(logical_id)
    elif change and not set(change.properties) <= _TAGS | set(ATTRIBUTES):
        moving.modified.add(logical_id)
    return change


def _modified(
    stack: str,
    logical_id: str,
    old: dict[str, Any],
    new: dict[str, Any],
    moving: _Moving,
    template_differs: bool | None,
) -> Change | None:
    """A Modify when anything differs, None when nothing does; `template_differs` tells a
    nested stack's template apart (None: not known, its TemplateURL compares as text)."""
    resource_type = new.get("Type", "")
    old_properties, new_properties = old.get("Properties") or {}, new.get("Properties") or {}
    if resource_type == NESTED_STACK and template_differs is not None:
        # The nested template's content, not its URL (an S3 key with a hash once deployed).
        old_properties = {k: v for k, v in old_properties.items() if k != "TemplateURL"}
        new_properties = {k: v for k, v in new_properties.items() if k != "TemplateURL"}
    changed, recreation = replacement.property_changes(
        resource_type, old_properties, new_properties, moving.moves
    )
    attributes = {a for a in ATTRIBUTES if old.get(a) != new.get(a)}
    if isinstance(new.get("Condition"), str) and new["Condition"] in moving.conditions:
        attributes.add("Condition")
    if template_differs:
        attributes.add("TemplateURL")
    if old.get("Type") != resource_type:
        attributes.add("Type")
        recreation = tuple(sorted({("Type", ALWAYS), *recreation}))
    properties = tuple(sorted(set(changed) | attributes))
    if not properties:
        return None
    return Change(
        stack=stack,
        action="Modify",
        logical_id=logical_id,
        resource_type=resource_type,
        replacement=replacement.replacement(recreation),
        causes=tuple(name for name, _ in recreation),
        properties=properties,
        recreation=recreation,
    )
