"""Spec -> templates: every enabled nested stack, and a root that wires them together.

The root passes each nested stack's Outputs to the other stacks' Parameters of the same name,
through `Fn::GetAtt <Stack>.Outputs.<Name>`. Those references are the only dependencies between
nested stacks, so CloudFormation creates stacks that need nothing from each other in parallel.
Each `TemplateURL` is the nested file's relative path, the input form of
`aws cloudformation package`, which cfn-lint follows to check the wiring (E3043).
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Output, Template, cloudformation

from litellm_cfn.errors import InternalError
from litellm_cfn.spec import PlatformSpec
from litellm_cfn.tagging import apply_tags
from nested_stacks import STACKS
from nested_stacks.base import StackModule, new_template

ROOT_FILE = "root.yaml"


@dataclass(frozen=True)
class CompiledPlatform:
    """The root template and each nested template, keyed by file name, root first."""

    templates: dict[str, Template]


def stack_logical_id(module: StackModule) -> str:
    """`vpc` -> `VpcStack`, the root's resource for that nested stack."""
    return f"{module.NAME.capitalize()}Stack"


def stack_file(module: StackModule) -> str:
    """`vpc` -> `vpc.yaml`."""
    return f"{module.NAME}.yaml"


def compile_platform(spec: PlatformSpec, stacks: tuple[StackModule, ...] = STACKS) -> CompiledPlatform:
    """Build every enabled nested stack and the root that wires them."""
    nested = {module: module.build(spec) for module in stacks if module.enabled(spec)}
    root = _root(spec, nested)
    templates = {ROOT_FILE: root} | {stack_file(m): t for m, t in nested.items()}
    for template in templates.values():
        apply_tags(template, spec.tags)
    return CompiledPlatform(templates)


def _producers(nested: dict[StackModule, Template]) -> dict[str, StackModule]:
    """Which stack gives each output name; a name given twice is a bug in the stack modules."""
    producers: dict[str, StackModule] = {}
    for module, template in nested.items():
        for output in template.outputs:
            if output in producers:
                raise InternalError(
                    f"stacks {producers[output].NAME} and {module.NAME} both output {output}"
                )
            producers[output] = module
    return producers


def _wired_parameters(
    module: StackModule, template: Template, producers: dict[str, StackModule]
) -> dict[str, GetAtt]:
    wired = {}
    for name, parameter in template.parameters.items():
        producer = producers.get(name)
        if producer is not None and producer is not module:
            wired[name] = GetAtt(stack_logical_id(producer), f"Outputs.{name}")
        elif "Default" not in parameter.properties:
            raise InternalError(
                f"stack {module.NAME} takes parameter {name}, which no enabled stack outputs"
            )
    return wired


def _root(spec: PlatformSpec, nested: dict[StackModule, Template]) -> Template:
    root = new_template(spec, "root stack wiring the nested stacks")
    # TemplateURLs are relative file paths on purpose (deploy uploads and rewrites them, as
    # `aws cloudformation package` does); W3002 only warns that they need that step.
    root.set_metadata({"cfn-lint": {"config": {"ignore_checks": ["W3002"]}}})
    producers = _producers(nested)
    for module, template in nested.items():
        parameters = _wired_parameters(module, template, producers)
        root.add_resource(
            cloudformation.Stack(
                stack_logical_id(module),
                TemplateURL=stack_file(module),
                **({"Parameters": parameters} if parameters else {}),
            )
        )
    for output, module in producers.items():
        description = nested[module].outputs[output].properties.get("Description")
        root.add_output(
            Output(
                output,
                Value=GetAtt(stack_logical_id(module), f"Outputs.{output}"),
                **({"Description": description} if description else {}),
            )
        )
    return root
