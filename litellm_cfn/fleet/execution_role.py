"""The custom execution role StackSets deploys the platform with in each target account.

With service-managed permissions StackSets runs every stack instance through an execution role
in the target account, and the role it makes by default cannot provision nested stacks; the
platform is a root with nested stacks. A stack set may instead carry an execution role template
(`ExecutionRoleTemplateBody`): StackSets deploys it as a stack in each target account when it
first creates stack instances there, and runs every later operation in that account as the
role it creates. That role must have the stack set's `ExecutionRoleName`, which must begin with
`stacksets-exec-custom-` (at most 64 characters, `[a-zA-Z_0-9+=,.@-]`), and the stack set
needs CAPABILITY_NAMED_IAM and CAPABILITY_AUTO_EXPAND.

The template built here takes no parameters, since CreateStackSet and UpdateStackSet pass none
to it. Its role:

- is trusted by the StackSets service-linked role of the administrator account (the management
  account, or the delegated administrator's), AWSServiceRoleForCloudFormationStackSetsOrgAdmin,
  whose policy may assume `role/stacksets-exec-*` in member accounts; so the role has no path;
- holds the Service Catalog launch role's permissions (compile/launch_role.py), statement for
  statement, with three differences: the stacks it runs are StackSets' (`StackSet-<stack set>-
  <id>`, nested ones after them), not Service Catalog's `SC-*`; one role serves every region
  of its account, so regional ARNs take any region; and it reads the nested templates under
  the platform's prefix from the administrator account's buckets, where `fleet` packages them;
- denies itself every IAM write, like the launch role.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-custom-execution-role.html
(also .md); the CreateStackSet and UpdateStackSet API references (ExecutionRoleName,
ExecutionRoleTemplateBody, StackSetOutputBucket, Capabilities); AWS managed policy
CloudFormationStackSetsOrgAdminServiceRolePolicy ("AllowAssumeRoleInMemberAccounts").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import GetAtt, Output, Ref, Sub, Template

from litellm_cfn.compile.artifacts import artifact_prefix
from litellm_cfn.compile.launch_access import PlatformScopes, never_itself
from litellm_cfn.compile.launch_actions import Footprint, footprint
from litellm_cfn.compile.launch_role import managed_policies, platform_statements
from litellm_cfn.compile.tagging import apply_tags
from litellm_cfn.errors import InternalError
from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import new_template
from nested_stacks.policies import role

EXECUTION_ROLE_ID = "StackSetExecutionRole"
ROLE_NAME_PREFIX = "stacksets-exec-custom-"
MAX_ROLE_NAME = 64
ROLE_NAME = re.compile(rf"{ROLE_NAME_PREFIX}[a-zA-Z0-9_+=,.@-]+")
ACCOUNT = re.compile(r"[0-9]{12}")
# The service-linked role StackSets assumes execution roles with, in the administrator account.
ORG_ADMIN_ROLE = (
    "aws-service-role/stacksets.cloudformation.amazonaws.com/"
    "AWSServiceRoleForCloudFormationStackSetsOrgAdmin"
)
STACK = "AWS::CloudFormation::Stack"
HASH_LENGTH = 8


def execution_role_name(stack_set_name: str) -> str:
    """`stacksets-exec-custom-<name>`, shortened to `<prefix><start>.<sha256[:8]>` if needed."""
    # Shortened when longer than IAM's 64 characters, and when the name has capitals: IAM
    # compares role names without case, StackSets stack set names with it, so `MySet` and
    # `myset` must not meet in one role. Stack set names hold no dot, so a shortened name
    # never equals a plain one.
    plain = f"{ROLE_NAME_PREFIX}{stack_set_name}"
    if len(plain) <= MAX_ROLE_NAME and stack_set_name == stack_set_name.lower():
        return plain
    digest = hashlib.sha256(stack_set_name.encode()).hexdigest()[:HASH_LENGTH]
    room = MAX_ROLE_NAME - len(ROLE_NAME_PREFIX) - len(digest) - 1
    return f"{ROLE_NAME_PREFIX}{stack_set_name[:room]}.{digest}"


def execution_role_template(
    spec: PlatformSpec, templates: Iterable[Template], role_name: str, *, administrator_account: str
) -> Template:
    """The execution role `role_name`'s template, for `administrator_account`'s StackSets."""
    if not (ROLE_NAME.fullmatch(role_name) and len(role_name) <= MAX_ROLE_NAME):
        raise InternalError(f"not a custom StackSets execution role name: {role_name[:80]!r}")
    if not ACCOUNT.fullmatch(administrator_account):
        raise InternalError(f"not an AWS account id: {administrator_account[:80]!r}")
    template = new_template(spec, "CloudFormation StackSets execution role")
    statements = execution_statements(spec, footprint(templates), role_name, administrator_account)
    policies = managed_policies(
        template, statements, "ExecutionPolicy", f"{spec.stack_name}: what StackSets may do"
    )
    execution_role = template.add_resource(
        role(
            spec,
            EXECUTION_ROLE_ID,
            "CloudFormation StackSets deploys the LiteLLM platform with this role",
            stacksets_trust(administrator_account),
            managed_policy_arns=[Ref(policy) for policy in policies],
        )
    )
    # StackSets assumes role/<ExecutionRoleName>: a path would put the role out of its reach.
    execution_role.properties.pop("Path", None)
    execution_role.RoleName = role_name
    for name, description, value in (
        ("ExecutionRoleName", "The stack set's ExecutionRoleName", Ref(execution_role)),
        ("ExecutionRoleArn", "The role StackSets runs as", GetAtt(execution_role, "Arn")),
    ):
        template.add_output(Output(name, Description=description, Value=value))
    # The spec's tags, not the platform tag: the role may change what carries that, never itself.
    apply_tags(template, spec.tags)
    return template


def stacksets_trust(administrator_account: str) -> PolicyDocument:
    """Trust for `administrator_account`'s StackSets service-linked role, and no one else."""
    # It is what assumes `stacksets-exec-*` roles in member accounts (its policy's
    # AllowAssumeRoleInMemberAccounts), the default execution role's trust too.
    principal = Sub(f"arn:${{AWS::Partition}}:iam::{administrator_account}:role/{ORG_ADMIN_ROLE}")
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(Effect=Allow, Principal=Principal("AWS", principal), Action=[AssumeRole])
        ],
    )


class StackSetScopes(PlatformScopes):
    """The launch role's scopes for the stacks StackSets makes: `StackSet-<name>-<id>`."""

    stacks = "StackSet-*"


def execution_statements(
    spec: PlatformSpec, found: Footprint, role_name: str, administrator_account: str
) -> list[Statement]:
    """Reading the nested templates, the launch role's statements in any region, no self-change."""
    # The root is a stack the role creates and deletes too, whether or not `found` saw it.
    found = replace(
        found,
        resource_types=found.resource_types | {STACK},
        deleted_types=found.deleted_types | {STACK},
    )
    read = Statement(
        Sid="ReadTheNestedTemplates",
        Effect=Allow,
        Action=[Action("s3", "GetObject")],
        Resource=[Sub(f"arn:${{AWS::Partition}}:s3:::*/{artifact_prefix(spec)}/*")],
        # The artifacts bucket's name is the administrator account's to choose; its owner is not.
        Condition=Condition(StringEquals("aws:ResourceAccount", administrator_account)),
    )
    itself = Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{role_name}")
    shared = [in_every_region(s) for s in platform_statements(StackSetScopes(spec, found))]
    return [read, *shared, never_itself(itself)]


def in_every_region(statement: Statement) -> Statement:
    """`statement` with `${AWS::Region}` in its resources widened to any region."""
    # StackSets deploys the role once per account and runs every region's instances with it.
    statement.Resource = [
        Sub(r.data["Fn::Sub"].replace("${AWS::Region}", "*")) if isinstance(r, Sub) else r
        for r in statement.Resource
    ]
    return statement
