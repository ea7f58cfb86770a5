"""The Service Catalog launch role: a template of its own, derived from what the platform's
templates create, written by `build` beside them and deployed by `publish` (and by hand in
each account the portfolio is shared with).

Service Catalog launches the product with this role, so it may create, change and delete what
the templates hold and nothing else:

- actions come from the resource types the templates contain; a type every one of whose
  resources is retained on delete (keys, log groups, secrets) gets no delete action;
- what the templates name is scoped by name (the cluster, log groups, secrets, the bastion's
  instance profile); every destructive action on the rest (deleting, detaching, terminating,
  replacing a key policy) needs the platform tag `litellm-cfn:platform` that the compiler sets
  on every taggable resource, CloudFormation setting it at creation;
- IAM writes reach only roles carrying that tag (created with it: `aws:RequestTag`), and
  `iam:PassRole` only hands them to the services the templates pass roles to;
- the launch role carries no platform tag and denies itself every IAM write, so it cannot
  widen its own rights.

A few actions accept no resource scope at all (reads, and creating a cluster or a key); those
are listed apart with `Resource: "*"`, as AWS requires.

Condition keys: Service Authorization Reference (list_awsidentityandaccessmanagementiam.html,
list_awskeymanagementservice.html, list_amazonec2.html); AWS KMS "ABAC for AWS KMS";
Service Catalog "AWS Service Catalog launch constraints" (constraints-launch.html).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from awacs.aws import Action, Allow, Condition, PolicyDocument, Statement, StringEquals
from troposphere import Output, Parameter, Ref, Sub, Template, encode_to_dict, iam

from litellm_cfn.compile.artifacts import artifact_prefix
from litellm_cfn.compile.launch_access import PlatformScopes, never_itself, unscoped
from litellm_cfn.compile.launch_actions import TYPE_ACTIONS, Footprint, footprint
from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import new_template
from nested_stacks.policies import role, service_trust

LAUNCH_ROLE_FILE = "launch-role.yaml"
LAUNCH_ROLE_ID = "ProductLaunchRole"
TEMPLATES_BUCKET = "TemplatesBucket"


def launch_role_name(spec: PlatformSpec) -> Sub:
    """`<name>-<environment>-launch-<region>`: one name in every account the portfolio is
    shared with (the launch constraint finds the role by it), one role per region."""
    return Sub(f"{spec.stack_name}-launch-${{AWS::Region}}")


def launch_role_template(spec: PlatformSpec, templates: Iterable[Template]) -> Template:
    """The launch role's own template: the role, the managed policies holding its
    permissions, and its name and ARN as outputs.

    The artifacts bucket the nested templates are read from is a parameter, so the same
    template serves the publishing account and every account the portfolio is shared with.
    The permissions outgrow a role's inline policies (10,240 characters in all), so they are
    split, statement by statement, into managed policies of at most 6,144 characters each
    (IAM User Guide, "IAM and AWS STS quotas").
    """
    template = new_template(spec, "Service Catalog launch role")
    bucket = template.add_parameter(
        Parameter(
            TEMPLATES_BUCKET,
            Type="String",
            AllowedPattern=r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            Description="The artifacts bucket (in the publishing account) holding the "
            "platform's nested templates.",
        )
    )
    statements = launch_statements(spec, footprint(templates), bucket)
    policies = managed_policies(
        template,
        statements,
        "LaunchPolicy",
        f"{spec.stack_name}: what Service Catalog launches may do",
    )
    launch_role = template.add_resource(
        role(
            spec,
            LAUNCH_ROLE_ID,
            "Service Catalog launches the LiteLLM platform with this role",
            # Service Catalog assumes launch roles without a source account or ARN in the
            # request context, so the trust names the service only; the launch constraint
            # decides which product uses the role.
            service_trust("servicecatalog.amazonaws.com", pinned_to_account=False),
            managed_policy_arns=[Ref(policy) for policy in policies],
        )
    )
    launch_role.RoleName = launch_role_name(spec)
    for name, description, value in (
        ("LaunchRoleName", "The launch constraint's LocalRoleName", Ref(launch_role)),
        ("LaunchRoleArn", "The role products launch with", Sub(f"${{{LAUNCH_ROLE_ID}.Arn}}")),
    ):
        template.add_output(Output(name, Description=description, Value=value))
    return template


def managed_policies(
    template: Template, statements: list[Statement], prefix: str, purpose: str
) -> list[iam.ManagedPolicy]:
    """`statements` as managed policies `<prefix>1`, `<prefix>2`... within IAM's size limit."""
    parts = _in_parts(statements)
    return [
        template.add_resource(
            iam.ManagedPolicy(
                f"{prefix}{index}",
                Description=f"{purpose} ({index} of {len(parts)})",
                PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=part),
            )
        )
        for index, part in enumerate(parts, start=1)
    ]


# IAM's limit for one managed policy, counted without whitespace, and a margin for the
# longest values the template's ${...} variables can take.
MANAGED_POLICY_LIMIT = 6_144
LONGEST_SUBSTITUTIONS = {
    "AWS::Partition": "aws-iso-b",
    "AWS::Region": "ap-southeast-2",
    "AWS::AccountId": "123456789012",
    TEMPLATES_BUCKET: "b" * 63,
}


def policy_size(statements: list[Statement]) -> int:
    """A policy document's characters as IAM counts them, ${...} filled with their longest
    values."""
    return document_size(encode_to_dict(PolicyDocument(Version="2012-10-17", Statement=statements)))


def document_size(document: dict[str, Any]) -> int:
    """`policy_size` of a policy document as the template holds it (plain data)."""
    text = json.dumps(document, separators=(",", ":"))
    text = re.sub(r'\{"Fn::Sub":"((?:[^"\\]|\\.)*)"\}', r'"\1"', text)
    for name, value in LONGEST_SUBSTITUTIONS.items():
        text = text.replace(f"${{{name}}}", value)
    return len(text)


def _in_parts(statements: list[Statement]) -> list[list[Statement]]:
    parts: list[list[Statement]] = [[]]
    for statement in statements:
        if parts[-1] and policy_size([*parts[-1], statement]) > MANAGED_POLICY_LIMIT:
            parts.append([])
        parts[-1].append(statement)
    return parts


def launch_statements(spec: PlatformSpec, found: Footprint, bucket: Parameter) -> list[Statement]:
    """The launch role's permissions for what the templates create, and reading them."""
    return [
        Statement(
            Sid="ReadTheNestedTemplates",
            Effect=Allow,
            Action=[Action("s3", "GetObject")],
            Resource=[
                Sub(f"arn:${{AWS::Partition}}:s3:::${{{bucket.title}}}/{artifact_prefix(spec)}/*")
            ],
        ),
        # Service Catalog's own copy of the root template (constraints-launch.html: "you must
        # use this string").
        Statement(
            Sid="ReadServiceCatalogsCopyOfTheProduct",
            Effect=Allow,
            Action=[Action("s3", "GetObject")],
            Resource=[Sub("arn:${AWS::Partition}:s3:::*/*")],
            Condition=Condition(
                StringEquals("s3:ExistingObjectTag/servicecatalog:provisioning", "true")
            ),
        ),
        *platform_statements(PlatformScopes(spec, found)),
        never_itself(
            Sub(
                f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{spec.iam.role_path}"
                + launch_role_name(spec).data["Fn::Sub"]
            )
        ),
    ]


def platform_statements(scopes: PlatformScopes) -> list[Statement]:
    """Creating, changing and deleting what `scopes.found` holds, as `scopes` allow."""
    # Shared by every role that deploys the platform: this one, StackSets' execution role.
    statements: list[Statement] = []
    by_service: dict[str, tuple[set[str], set[str]]] = {}
    for kind in sorted(scopes.found.resource_types):
        actions = TYPE_ACTIONS[kind]
        create, destroy = by_service.setdefault(actions.service, (set(), set()))
        create.update(actions.create)
        destroy.update(actions.guarded)
        if kind in scopes.found.deleted_types:
            destroy.update(actions.delete)
    for service, (create, destroy) in sorted(by_service.items()):
        statements += scopes.statements(service, sorted(create), sorted(destroy))
    statements += scopes.passing_and_service_linked_roles()
    statements += unscoped(by_service)
    return statements
