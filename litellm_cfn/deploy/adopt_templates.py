"""The templates `deploy --adopt-retained` imports through, derived from the compiled ones.

An import change set cannot create anything and reaches one level of nesting (CloudFormation
User Guide, "Import AWS resources into a CloudFormation stack manually" and "Nest an existing
stack": resource-import-nested-stacks.html), so adoption goes through three shapes:

- each nested stack holding kept resources first becomes a stack of its own, from an
  *import template*: its kept resources only, and no parameters or outputs;
- the root is created around a placeholder (a stack needs one resource), then imports those
  stacks as its nested stacks (`DeletionPolicy: Retain`, as the guide asks);
- the ordinary deploy then turns every template into the compiled one.

Pure: no AWS calls.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litellm_cfn.compile.compiler import NestedStack
from litellm_cfn.deploy.review import NESTED_STACK

PLACEHOLDER = "AdoptionPlaceholder"
# A resource that creates nothing, so the root can exist before it imports its nested stacks
# (Template Reference, aws-resource-cloudformation-waitconditionhandle.html: a handle alone,
# without an AWS::CloudFormation::WaitCondition using it, waits for nothing).
PLACEHOLDER_TYPE = "AWS::CloudFormation::WaitConditionHandle"
FORMAT_VERSION = "2010-09-09"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class NestedChild:
    """A stack of its own about to be nested: where its template is, and its tags."""

    template_url: str
    tags: Mapping[str, str]


def import_template(nested: NestedStack, adopted: Iterable[str]) -> dict[str, Any]:
    """The nested stack's template holding only the `adopted` resources, each declared as
    compiled except the properties that refer to anything else (a resource not imported, a
    parameter): the import reads none of them, and the deploy that follows sets them.

    That is also how a key policy naming roles the deleted stacks took with them (IAM turned
    those principals into unique ids) is put back whole by the deploy."""
    compiled = nested.template.to_dict()
    kept = set(adopted)
    resources = {
        logical_id: _only_referring_to(resource, kept)
        for logical_id, resource in compiled["Resources"].items()
        if logical_id in kept
    }
    return {
        "AWSTemplateFormatVersion": FORMAT_VERSION,
        "Description": f"{compiled.get('Description', nested.name)} (adopting kept resources)",
        "Resources": resources,
    }


def placeholder_root(description: str) -> dict[str, Any]:
    """The root before it nests anything: one resource that creates nothing."""
    return {
        "AWSTemplateFormatVersion": FORMAT_VERSION,
        "Description": f"{description} (adopting kept resources)",
        "Resources": {PLACEHOLDER: {"Type": PLACEHOLDER_TYPE}},
    }


def nesting_root(
    placeholder: Mapping[str, Any], children: Mapping[str, NestedChild]
) -> dict[str, Any]:
    """The placeholder root plus each stack of its own as a nested stack, by logical id:
    its template URL and tags exactly as the stack has them, as the nested stack import
    validation requires, and Retain so a failed import deletes none of them."""
    resources = dict(placeholder["Resources"])
    for logical_id, child in sorted(children.items()):
        resources[logical_id] = {
            "Type": NESTED_STACK,
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "TemplateURL": child.template_url,
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(child.tags.items())],
            },
        }
    return {**placeholder, "Resources": resources}


def _only_referring_to(resource: Mapping[str, Any], kept: set[str]) -> dict[str, Any]:
    declared = copy.deepcopy(dict(resource))
    properties = declared.get("Properties", {})
    declared["Properties"] = {
        name: value for name, value in properties.items() if references(value) <= kept
    }
    depends = declared.pop("DependsOn", [])
    depends = [d for d in ([depends] if isinstance(depends, str) else depends) if d in kept]
    if depends:
        declared["DependsOn"] = depends
    return declared


def references(value: Any) -> set[str]:
    """The logical ids and parameters `value` refers to (Ref, GetAtt, Sub), pseudo
    parameters (`AWS::...`) aside."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(str(item))
            elif key == "Fn::GetAtt":
                found.add(str(item[0] if isinstance(item, list) else item.split(".")[0]))
            elif key == "Fn::Sub":
                found |= _sub_references(item)
            else:
                found |= references(item)
    return {name for name in found if not name.startswith("AWS::")}


def _sub_references(item: Any) -> set[str]:
    text, variables = (item, {}) if isinstance(item, str) else (item[0], item[1])
    named = {match.split(".")[0] for match in _SUB_VARIABLE.findall(text)}
    found = {name for name in named if name not in variables}
    return found | references(list(variables.values()))
