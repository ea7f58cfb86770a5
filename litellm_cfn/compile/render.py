"""Templates as deterministic, reviewable CloudFormation YAML.

The emitter is PyYAML's (libyaml when present) with CloudFormation's short-form tags (`!Ref`,
`!GetAtt`, `!Sub`...), keys in CloudFormation's conventional order (Type before Properties),
resources and properties in the order the stack modules add them, multi-line strings as
literal blocks and no line folding, so a one-line change in a spec is a one-line diff.
"""

from __future__ import annotations

from typing import Any

import yaml

_SHORT_FORMS = {
    "Ref": "!Ref",
    "Fn::Base64": "!Base64",
    "Fn::Cidr": "!Cidr",
    "Fn::Equals": "!Equals",
    "Fn::FindInMap": "!FindInMap",
    "Fn::GetAZs": "!GetAZs",
    "Fn::GetAtt": "!GetAtt",
    "Fn::If": "!If",
    "Fn::ImportValue": "!ImportValue",
    "Fn::Join": "!Join",
    "Fn::Not": "!Not",
    "Fn::And": "!And",
    "Fn::Or": "!Or",
    "Fn::Select": "!Select",
    "Fn::Split": "!Split",
    "Fn::Sub": "!Sub",
}
_TEMPLATE_ORDER = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Rules",
    "Resources",
    "Outputs",
)
_RESOURCE_ORDER = (
    "Type",
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Metadata",
    "Properties",
)
_OUTPUT_ORDER = ("Description", "Condition", "Value", "Export")


class _Tagged:
    """A short-form intrinsic function: a YAML tag on its argument."""

    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The safe dumper plus short-form intrinsics and literal blocks for multi-line text."""


def _represent_tagged(dumper: yaml.SafeDumper, node: _Tagged) -> yaml.Node:
    if isinstance(node.value, list):
        return dumper.represent_sequence(node.tag, node.value)
    if isinstance(node.value, dict):
        return dumper.represent_mapping(node.tag, node.value)
    text = str(node.value)
    # `!GetAZs` with nothing after it reads as an empty string, but say so explicitly.
    return dumper.represent_scalar(node.tag, text, style="'" if text == "" else None)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(_Tagged, _represent_tagged)
_Dumper.add_representer(str, _represent_str)


def _short(node: Any) -> Any:
    """Rewrite long-form intrinsics as `_Tagged`, keeping long form where tags would nest."""
    if isinstance(node, list):
        return [_short(item) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key in _SHORT_FORMS:
            if key == "Fn::GetAtt" and isinstance(value, list) and _all_text(value):
                return _Tagged("!GetAtt", ".".join(value))
            argument = _short(value)
            # YAML gives a node one tag: `!Base64 !Sub x` is invalid, so nest in long form.
            if isinstance(argument, _Tagged):
                return {key: argument}
            return _Tagged(_SHORT_FORMS[key], argument)
    return {key: _short(value) for key, value in node.items()}


def _all_text(items: list[Any]) -> bool:
    return all(isinstance(item, str) for item in items)


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {key: mapping[key] for key in order if key in mapping}
    return first | {key: value for key, value in mapping.items() if key not in first}


def to_yaml(template: dict[str, Any]) -> str:
    """The template dict (troposphere's `to_dict()`) as CloudFormation YAML text."""
    ordered = _ordered(template, _TEMPLATE_ORDER)
    if "Resources" in ordered:
        ordered["Resources"] = {
            name: _ordered(resource, _RESOURCE_ORDER)
            for name, resource in ordered["Resources"].items()
        }
    if "Outputs" in ordered:
        ordered["Outputs"] = {
            name: _ordered(output, _OUTPUT_ORDER) for name, output in ordered["Outputs"].items()
        }
    return yaml.dump(
        _short(ordered),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
    )
