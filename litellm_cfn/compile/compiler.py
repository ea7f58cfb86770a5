"""Spec -> templates: every enabled nested stack, and a root that wires them together.

The root passes each nested stack's Outputs to the other stacks' Parameters of the same name,
through `Fn::GetAtt <Stack>.Outputs.<Name>`. Those references are the only dependencies between
nested stacks, so CloudFormation creates stacks that need nothing from each other in parallel.
Each `TemplateURL` is the nested file's relative path, the input form of
`aws cloudformation package`, which cfn-lint follows to check the wiring (E3043).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from troposphere import GetAtt, Output, Sub, Template, cloudformation

from litellm_cfn.compile import wires
from litellm_cfn.compile.quotas import counted
from litellm_cfn.compile.root_outputs import COMPOSED_OUTPUTS
from litellm_cfn.compile.tagging import PLATFORM_TAG, apply_tags, tag_retained
from litellm_cfn.errors import InternalError
from litellm_cfn.spec import PlatformSpec
from nested_stacks import STACKS
from nested_stacks.base import StackModule, new_template
from nested_stacks.wiring import DECLARED, Wiring

ROOT_FILE = "root.yaml"
SUFFIX = ".yaml"


@dataclass(frozen=True)
class NestedStack:
    """One nested stack of a compiled platform, named as its module is (`vpc`)."""

    name: str
    template: Template

    @property
    def file(self) -> str:
        """The file `build` writes it to and the root's relative TemplateURL: `vpc.yaml`."""
        return stack_file(self.name)

    @property
    def logical_id(self) -> str:
        """The root's resource for it: `VpcStack`."""
        return stack_logical_id(self.name)


@dataclass(frozen=True)
class CompiledPlatform:
    """The root template and each nested template, keyed by file name, root first; and the
    companions built, written and linted with them but deployed on their own (the Service
    Catalog launch role)."""

    templates: dict[str, Template]
    companions: dict[str, Template] = field(default_factory=dict)

    @property
    def root(self) -> Template:
        """The root template."""
        return self.templates[ROOT_FILE]

    @property
    def nested(self) -> list[NestedStack]:
        """The nested stacks, in the root's order."""
        return [
            NestedStack(file.removesuffix(SUFFIX), template)
            for file, template in self.templates.items()
            if file != ROOT_FILE
        ]

    @property
    def files(self) -> dict[str, Template]:
        """Every template `build` writes, by file name."""
        return self.templates | self.companions


def stack_logical_id(name: str) -> str:
    """`vpc` -> `VpcStack`, the root's resource for that nested stack."""
    return f"{name.capitalize()}Stack"


def stack_file(name: str) -> str:
    """`vpc` -> `vpc.yaml`."""
    return f"{name}{SUFFIX}"


def compile_platform(
    spec: PlatformSpec, stacks: tuple[StackModule, ...] = STACKS, wiring: Wiring = DECLARED
) -> CompiledPlatform:
    """Build every enabled nested stack and the root that wires them as `wiring` declares."""
    nested: dict[str, Template] = {}
    for module in stacks:
        if module.NAME in nested:
            raise InternalError(f"two stack modules are named {module.NAME}")
        if module.enabled(spec):
            with counted(stack_file(module.NAME)):
                nested[module.NAME] = module.build(spec)
                tag_retained(nested[module.NAME], stack_logical_id(module.NAME))
    with counted(ROOT_FILE):
        root = _root(spec, nested, wiring)
    templates = {ROOT_FILE: root} | {stack_file(name): t for name, t in nested.items()}
    for template in templates.values():
        apply_tags(template, {PLATFORM_TAG: spec.stack_name} | dict(spec.tags))
    return CompiledPlatform(templates, _companions(spec, templates))


def _companions(spec: PlatformSpec, templates: dict[str, Template]) -> dict[str, Template]:
    """The launch role's template, when the spec publishes to Service Catalog with a role of
    its own making. It carries the spec's tags but not the platform tag: the role may change
    what carries that tag, never itself."""
    if spec.catalog is None or spec.catalog.launch_role is not None:
        return {}
    # Imported here: most platforms publish nothing, and `build` stays fast without it.
    from litellm_cfn.compile.launch_role import LAUNCH_ROLE_FILE, launch_role_template

    with counted(LAUNCH_ROLE_FILE):
        launch_role = launch_role_template(spec, templates.values())
    apply_tags(launch_role, spec.tags)
    return {LAUNCH_ROLE_FILE: launch_role}


def _root(spec: PlatformSpec, nested: dict[str, Template], wiring: Wiring) -> Template:
    root = new_template(spec, "root stack wiring the nested stacks")
    # TemplateURLs are relative file paths on purpose (deploy uploads and rewrites them, as
    # `aws cloudformation package` does); W3002 only warns that they need that step.
    root.set_metadata({"cfn-lint": {"config": {"ignore_checks": ["W3002"]}}})
    producers = wires.producers(nested, wiring)
    for name, template in nested.items():
        parameters = {
            parameter: GetAtt(stack_logical_id(producer), f"Outputs.{parameter}")
            for parameter, producer in wires.parameter_sources(
                name, template, producers, wiring
            ).items()
        }
        root.add_resource(
            cloudformation.Stack(
                stack_logical_id(name),
                TemplateURL=stack_file(name),
                **({"Parameters": parameters} if parameters else {}),
            )
        )
    for output, name in producers.items():
        description = nested[name].outputs[output].properties.get("Description")
        root.add_output(
            Output(
                output,
                Value=GetAtt(stack_logical_id(name), f"Outputs.{output}"),
                **({"Description": description} if description else {}),
            )
        )
    for composed in COMPOSED_OUTPUTS:
        inputs = wires.composed_inputs(composed, producers, wiring)
        if inputs is not None:
            variables = {n: GetAtt(stack_logical_id(p), f"Outputs.{n}") for n, p in inputs.items()}
            value = Sub(composed.text, **variables)
            root.add_output(Output(composed.name, Description=composed.description, Value=value))
    return root
