"""What a platform keeps when its stacks are deleted, read from the compiled templates: each
nested stack's resources with `DeletionPolicy: Retain`, how to find one that outlived its
stack, and how CloudFormation identifies it in an import.

Pure: no AWS calls. `retained_survey` finds them in an account, `adopt` imports them.

Import identifiers are each type's `primaryIdentifier` in the CloudFormation resource
schemas (cfn-lint ships them): `AWS::KMS::Key` KeyId, `AWS::SecretsManager::Secret` Id
(the ARN), `AWS::Logs::LogGroup` LogGroupName.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-supported-resources.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litellm_cfn.compile.compiler import CompiledPlatform
from litellm_cfn.compile.tagging import RETAINED_AS_TAG

__all__ = ["RETAINED_AS_TAG", "Retained", "retained_resources"]

KMS_KEY = "AWS::KMS::Key"
SECRET = "AWS::SecretsManager::Secret"
LOG_GROUP = "AWS::Logs::LogGroup"

# The property holding each findable type's name, None for a key (it has none: its alias is
# a resource of its own and is deleted with the stack).
NAME_PROPERTY: dict[str, str | None] = {KMS_KEY: None, SECRET: "Name", LOG_GROUP: "LogGroupName"}
# The property naming the KMS key that encrypts each type.
KEY_PROPERTY = {SECRET: "KmsKeyId", LOG_GROUP: "KmsKeyId"}


@dataclass(frozen=True)
class Retained:
    """One resource the platform keeps: in which nested stack (its logical id in the root),
    under which logical id, its type, its name when it has one, and the logical id of the
    key (in the same stack) that encrypts it."""

    stack: str
    logical_id: str
    resource_type: str
    name: str | None
    key: str | None

    @property
    def qualified_id(self) -> str:
        """`SecretsStack/LitellmSaltKeySecret`: the value of its `RETAINED_AS_TAG`."""
        return f"{self.stack}/{self.logical_id}"

    def import_identifier(self, physical_id: str) -> dict[str, str]:
        """The ResourceIdentifier of an IMPORT change set for this resource, found as
        `physical_id` (a key id, a secret ARN, a log group name)."""
        field = {KMS_KEY: "KeyId", SECRET: "Id", LOG_GROUP: "LogGroupName"}[self.resource_type]
        return {field: physical_id}


def retained_resources(compiled: CompiledPlatform) -> list[Retained]:
    """Every retained resource of every nested stack, in the root's order; a retained type
    this module cannot find is an error, so a new one is never silently left behind."""
    found: list[Retained] = []
    for stack in compiled.nested:
        for logical_id, resource in stack.template.to_dict()["Resources"].items():
            if resource.get("DeletionPolicy") != "Retain":
                continue
            found.append(_retained(stack.logical_id, logical_id, resource))
    return found


def _retained(stack: str, logical_id: str, resource: dict[str, Any]) -> Retained:
    kind = resource["Type"]
    if kind not in NAME_PROPERTY:
        from litellm_cfn.errors import InternalError

        raise InternalError(
            f"{stack}/{logical_id} ({kind}) is retained, but --adopt-retained cannot find "
            "that type: teach litellm_cfn.deploy.retained and retained_survey about it"
        )
    properties = resource.get("Properties", {})
    name_property = NAME_PROPERTY[kind]
    name = properties.get(name_property) if name_property else None
    if name_property and not isinstance(name, str):
        from litellm_cfn.errors import InternalError

        raise InternalError(f"{stack}/{logical_id} is retained without a literal {name_property}")
    key = _key_of(properties.get(KEY_PROPERTY.get(kind, "")))
    return Retained(stack, logical_id, kind, name, key)


def _key_of(value: Any) -> str | None:
    """The logical id a `KmsKeyId` refers to (`Ref`, or `GetAtt` of its Arn), if any."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        target = value.get("Fn::GetAtt")
        if target:
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None
