"""How each stack set reaches its accounts, from the fleet file: self-managed with the
standard administration and execution roles (or the ones named), or service-managed through
AWS Organizations with a custom execution role, the only kind that provisions nested stacks.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-custom-execution-role.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litellm_cfn.fleet.operations import Permissions

if TYPE_CHECKING:
    from litellm_cfn.compile.compiler import CompiledPlatform
    from litellm_cfn.fleet.load import LoadedFleet, Variant


def permissions_for(
    loaded: LoadedFleet,
    variant: Variant,
    compiled: CompiledPlatform,
    bucket: str,
    administrator_account: str,
) -> Permissions:
    """The permissions `variant`'s stack set is created and updated with;
    `administrator_account`, the account running StackSets, is used by service-managed
    ones only (their execution role trusts its StackSets)."""
    fleet = loaded.fleet
    organization = fleet.organization
    if organization is None:
        return Permissions(
            model="SELF_MANAGED",
            administration_role_arn=fleet.permissions.administration_role_arn,
            execution_role_name=fleet.permissions.execution_role_name,
        )
    from litellm_cfn.compile.render import to_yaml
    from litellm_cfn.fleet.execution_role import execution_role_name, execution_role_template

    role = execution_role_name(variant.stack_set_name)
    template = execution_role_template(
        variant.spec,
        [stack.template for stack in compiled.nested],
        role,
        administrator_account=administrator_account,
    )
    return Permissions(
        model="SERVICE_MANAGED",
        call_as=organization.call_as,
        execution_role_name=role,
        auto_deployment={
            "Enabled": organization.auto_deployment,
            "RetainStacksOnAccountRemoval": organization.retain_stacks_on_account_removal,
        },
        execution_role_template=to_yaml(template.to_dict()),
        output_bucket=bucket,
    )
