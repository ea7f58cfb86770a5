"""A CloudFormation template body, JSON or YAML with short-form tags, as plain long-form dicts.

The text is what CloudFormation stores (GetTemplate), so it was valid when deployed; the
loader only has to undo the short forms (`!Ref x` -> `{"Ref": "x"}`, `!GetAtt a.b` ->
`{"Fn::GetAtt": ["a", "b"]}`), so that two versions of a template compare as data.
"""

from __future__ import annotations

import json
from typing import Any, cast

import yaml

from litellm_cfn.errors import LitellmCfnError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader plus CloudFormation's short-form tags."""


# CloudFormation reads `AWSTemplateFormatVersion: 2010-09-09` as text, never as a date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _long_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        value = loader.construct_scalar(cast(yaml.ScalarNode, node))
        if suffix == "GetAtt":
            value = value.split(".", 1)
    return {key: value}


_Loader.add_multi_constructor("!", _long_form)


def parse_template(text: str) -> dict[str, Any]:
    """The template `text` (JSON, or YAML with short-form tags) as a dict in long form."""
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as error:
            raise LitellmCfnError(
                f"the template is neither JSON nor YAML: {_one_line(error)}"
            ) from error
    if not isinstance(document, dict):
        raise LitellmCfnError("the template is not a mapping of sections")
    return document


def _one_line(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or type(error).__name__
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    return f"{problem}{where}"
