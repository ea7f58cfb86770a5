"""A deployed platform's outputs, read through CloudFormation, and their printable forms."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litellm_cfn.compile.root_outputs import DEPLOY_SCRIPT_VARIABLES
from litellm_cfn.deploy.aws import does_not_exist
from litellm_cfn.deploy.review import NESTED_STACK
from litellm_cfn.deploy.stack_state import COMPLETE, REVIEW_IN_PROGRESS, ROLLBACK_COMPLETE
from litellm_cfn.errors import LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.spec import PlatformSpec


def deployed_outputs(
    spec: PlatformSpec,
    spec_file: str,
    profile: str | None,
    region: str | None,
    notice: Callable[[str], None] | None = None,
    root_stack: str | None = None,
) -> tuple[str, dict[str, str]]:
    """The region used (`region`, else the spec's) and the platform's deployed outputs, from
    its root stack (`root_stack`, else the spec's `<name>-<environment>`); a stack with none
    is an error saying why (`spec_file` names the spec in what it suggests)."""
    from litellm_cfn.deploy.aws import aws_errors, client

    used = region or spec.region
    stack = root_stack or spec.stack_name
    with aws_errors(f"read stack {stack}"):
        cloudformation = client("cloudformation", used, profile, notice)
        outputs = read_outputs(cloudformation, stack)
        if not outputs:
            status = _root_stack(cloudformation, stack)["StackStatus"]
            raise LitellmCfnError(no_outputs(stack, used, status, spec_file))
    return used, outputs


def no_outputs(stack: str, region: str, status: str, spec_file: str) -> str:
    """Why a stack in `status` has no outputs, and the command that goes on from there."""
    spec = shlex.quote(spec_file)
    where = f"stack {stack} in {region} has no outputs"
    if status == REVIEW_IN_PROGRESS:
        return (
            f"{where}: it is {status}, made for a change set never executed; "
            f"create it with `litellm-cfn deploy {spec}`"
        )
    if status.endswith("_IN_PROGRESS"):
        return f"{where} yet: it is {status}; follow it with `litellm-cfn watch {spec}`"
    if status == ROLLBACK_COMPLETE:
        return (
            f"{where}: it failed to create ({status}); see why with `litellm-cfn watch {spec}`, "
            f"then `litellm-cfn deploy {spec} --recreate-failed`"
        )
    if status in COMPLETE:
        return (
            f"{where} (it is {status}): it is not a platform litellm-cfn deployed; "
            "check the spec's name and environment, --region and --profile"
        )
    return f"{where}: it is {status}; see its events with `litellm-cfn watch {spec}`"


def read_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The root stack's outputs, completed from its nested stacks' where the root lacks one."""
    outputs = _outputs_of(_root_stack(cloudformation, stack_name))
    for nested_id in nested_stack_ids(cloudformation, stack_name).values():
        (nested,) = cloudformation.describe_stacks(StackName=nested_id)["Stacks"]
        for name, value in _outputs_of(nested).items():
            outputs.setdefault(name, value)
    return outputs


def _root_stack(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        (root,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if does_not_exist(error):
            raise LitellmCfnError(
                f"stack {stack_name} does not exist in {cloudformation.meta.region_name}; "
                "deploy it first, or check --region and --profile"
            ) from None
        raise LitellmCfnError(f"cannot read stack {stack_name}: {error}") from None
    return dict(root)


def _outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def nested_stack_ids(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's nested stacks that exist, as logical id -> stack id."""
    paginator = cloudformation.get_paginator("list_stack_resources")
    return {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack_name)
        for resource in page["StackResourceSummaries"]
        if resource["ResourceType"] == NESTED_STACK and resource.get("PhysicalResourceId")
    }


def as_table(outputs: dict[str, str]) -> str:
    """Name and value, one output a line, sorted by name; multi-line values indented."""
    width = max((len(name) for name in outputs), default=0)
    lines = []
    for name in sorted(outputs):
        first, *rest = outputs[name].splitlines() or [""]
        lines.append(f"{name.ljust(width)}  {first}")
        lines += [f"{' ' * width}  {line}" for line in rest]
    return "\n".join(lines)


def as_json(outputs: dict[str, str]) -> str:
    """The outputs as one JSON object, keys sorted."""
    return json.dumps(outputs, indent=2, sort_keys=True)


def as_env(outputs: dict[str, str], region: str) -> str:
    """`export NAME=value` lines for `eval`, shell-quoted (the seed's deploy_script_env_vars)."""
    values = {**outputs, "AWS::Region": region}
    return "\n".join(
        f"export {variable}={shlex.quote(values[output])}"
        for variable, output in DEPLOY_SCRIPT_VARIABLES
        if output in values
    )
