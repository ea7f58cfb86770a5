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
from dataclasses import dataclass

from awacs.aws import (
    Action,
    Allow,
    ArnEquals,
    Bool,
    Condition,
    ConditionElement,
    Deny,
    PolicyDocument,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, Output, Parameter, Ref, Sub, Template, encode_to_dict, iam

from litellm_cfn.compile.launch_actions import (
    PASSED_TO,
    SERVICE_LINKED,
    SSM_PARAMETER_VALUE,
    TYPE_ACTIONS,
    UNSCOPED,
    TypeActions,
)
from litellm_cfn.spec import PlatformSpec
from litellm_cfn.tagging import PLATFORM_TAG
from nested_stacks.base import new_template, secret_name
from nested_stacks.policies import role, service_trust

LAUNCH_ROLE_FILE = "launch-role.yaml"
LAUNCH_ROLE_ID = "ProductLaunchRole"
TEMPLATES_BUCKET = "TemplatesBucket"


# Properties that name a resource: the launch role is scoped to exactly these names.
NAME_PROPERTY = {
    "AWS::EKS::Cluster": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


@dataclass(frozen=True)
class Footprint:
    """What the platform's templates create, as far as the launch role must know it."""

    resource_types: frozenset[str]
    deleted_types: frozenset[str]  # types with at least one resource not retained on delete
    names: dict[str, tuple[str, ...]]  # resource type -> the names the templates give

    def named(self, resource_type: str) -> tuple[str, ...]:
        """The names the templates give resources of `resource_type`."""
        return self.names.get(resource_type, ())


def footprint(templates: Iterable[Template]) -> Footprint:
    """The resource types, deletions and names in troposphere templates (an SSM-resolved
    parameter counts as a type)."""
    types: set[str] = set()
    deleted: set[str] = set()
    names: dict[str, list[str]] = {}
    for template in templates:
        for resource in template.resources.values():
            kind = resource.resource_type
            types.add(kind)
            if resource.resource.get("DeletionPolicy") != "Retain":
                deleted.add(kind)
            name = resource.properties.get(NAME_PROPERTY.get(kind, ""))
            if isinstance(name, Sub):
                name = name.data["Fn::Sub"]
            if isinstance(name, str):
                names.setdefault(kind, []).append(name)
        if any(
            str(p.properties.get("Type", "")).startswith(SSM_PARAMETER_VALUE)
            for p in template.parameters.values()
        ):
            types.add(SSM_PARAMETER_VALUE)
            deleted.add(SSM_PARAMETER_VALUE)
    return Footprint(
        frozenset(types), frozenset(deleted), {k: tuple(sorted(set(v))) for k, v in names.items()}
    )


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
    policies = [
        template.add_resource(
            iam.ManagedPolicy(
                f"LaunchPolicy{index}",
                Description=f"{spec.stack_name}: what Service Catalog launches may do "
                f"({index} of {len(parts)})",
                PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=part),
            )
        )
        for parts in [_in_parts(statements)]
        for index, part in enumerate(parts, start=1)
    ]
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
    document = encode_to_dict(PolicyDocument(Version="2012-10-17", Statement=statements))
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
    scopes = _Scopes(spec, found)
    statements = [
        Statement(
            Sid="ReadTheNestedTemplates",
            Effect=Allow,
            Action=[Action("s3", "GetObject")],
            Resource=[Sub(f"arn:${{AWS::Partition}}:s3:::${{{bucket.title}}}/{spec.stack_name}/*")],
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
    ]
    by_service: dict[str, tuple[set[str], set[str]]] = {}
    for kind in sorted(found.resource_types):
        actions = TYPE_ACTIONS[kind]
        create, destroy = by_service.setdefault(actions.service, (set(), set()))
        create.update(actions.create)
        destroy.update(actions.guarded)
        if kind in found.deleted_types:
            destroy.update(actions.delete)
    for service, (create, destroy) in sorted(by_service.items()):
        statements += scopes.statements(service, sorted(create), sorted(destroy))
    statements += scopes.passing_and_service_linked_roles()
    statements += _unscoped(by_service)
    statements.append(_never_itself(spec))
    return statements


class _Scopes:
    """Where each service's actions may act for this platform, and under which condition."""

    def __init__(self, spec: PlatformSpec, found: Footprint) -> None:
        self.spec = spec
        self.found = found
        self.tagged = Condition(StringEquals(f"aws:ResourceTag/{PLATFORM_TAG}", spec.stack_name))

    def here(self, service: str, resource: str) -> Sub:
        return Sub(
            f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
        )

    def iam(self, resource: str) -> Sub:
        return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{resource}")

    def statements(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """The statements of one service: its creations and changes, its destructions."""
        return getattr(self, f"_{service}", self._by_tag)(service, create, destroy)

    def _allow(
        self,
        sid: str,
        service: str,
        actions: list[str],
        resources: list[AWSHelperFn],
        condition: Condition | None = None,
    ) -> list[Statement]:
        if not actions:
            return []
        statement = Statement(
            Sid=sid,
            Effect=Allow,
            Action=[Action(service, a) for a in actions],
            Resource=resources,
        )
        if condition is not None:
            statement.Condition = condition
        return [statement]

    def _by_tag(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """Create anywhere in this account and region; destroy only what carries the tag."""
        where = {
            "ec2": [
                self.here("ec2", "*"),
                Sub("arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"),
            ],
            "rds": [self.here("rds", "*")],
            "ssm": [Sub("arn:${AWS::Partition}:ssm:${AWS::Region}:*:parameter/aws/service/*")],
        }[service]
        name = service.capitalize()
        return [
            *self._allow(f"Create{name}ResourcesInThisAccount", service, create, where),
            *self._allow(
                f"Destroy{name}ResourcesOfThePlatformOnly",
                service,
                destroy,
                where[:1],
                self.tagged,
            ),
        ]

    def _ec2(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """EC2, and its tags: set while creating a resource, or on the platform's own."""
        creations = [a for a in create if a.startswith(("Create", "Allocate", "RunInstances"))]
        return [
            *self._by_tag(service, create, [*destroy, "DeleteTags"]),
            *self._allow(
                "TagEc2ResourcesWhileCreatingThem",
                service,
                ["CreateTags"],
                [self.here("ec2", "*")],
                Condition(StringEquals("ec2:CreateAction", creations)),
            ),
            *self._allow(
                "RetagEc2ResourcesOfThePlatformOnly",
                service,
                ["CreateTags"],
                [self.here("ec2", "*")],
                self.tagged,
            ),
        ]

    def _rds(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """RDS: the database instance by its name; subnet and parameter groups by tag."""
        database = [a for a in destroy if a == "DeleteDBInstance"]
        others = [a for a in destroy if a != "DeleteDBInstance"]
        instances = [
            self.here("rds", f"db:{name}") for name in self.found.named("AWS::RDS::DBInstance")
        ]
        return [
            *self._by_tag(service, create, others),
            *self._allow(
                "DeleteThePlatformsDatabaseOnly",
                service,
                database,
                instances,
            ),
        ]

    def _named(
        self, service: str, create: list[str], destroy: list[str], resources: list[AWSHelperFn]
    ) -> list[Statement]:
        name = service.capitalize()
        return self._allow(
            f"Manage{name}ResourcesTheTemplatesName", service, create + destroy, resources
        )

    def _eks(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """EKS: the platform's cluster and what hangs off it, by the cluster's name."""
        resources = [
            self.here("eks", f"{kind}/{cluster}{suffix}")
            for cluster in self.found.named("AWS::EKS::Cluster")
            for kind, suffix in (
                ("cluster", ""),
                ("nodegroup", "/*"),
                ("addon", "/*"),
                ("access-entry", "/*"),
            )
        ]
        return self._named(service, create, destroy, resources)

    def _logs(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """CloudWatch Logs: the log groups the templates name."""
        resources = [
            self.here("logs", f"log-group:{group}{suffix}")
            for group in self.found.named("AWS::Logs::LogGroup")
            for suffix in ("", ":*")
        ]
        return self._named(service, create, destroy, resources)

    def _secretsmanager(
        self, service: str, create: list[str], destroy: list[str]
    ) -> list[Statement]:
        """Secrets: the platform's names, and the one RDS makes for its master password
        (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager":
        CreateSecret and TagResource)."""
        platform = self._named(
            service, create, destroy, [self.here("secretsmanager", f"secret:{self.prefix}*")]
        )
        if "AWS::RDS::DBInstance" not in self.found.resource_types:
            return platform
        return [
            *platform,
            *self._allow(
                "LetRdsCreateItsMasterUserSecret",
                service,
                ["CreateSecret", "TagResource"],
                [self.here("secretsmanager", "secret:rds!*")],
            ),
        ]

    @property
    def prefix(self) -> str:
        return secret_name(self.spec, "")

    def _cloudformation(
        self, service: str, create: list[str], destroy: list[str]
    ) -> list[Statement]:
        """The stacks Service Catalog launches (`SC-<account>-pp-...`) and their nested ones."""
        return self._named(service, create, destroy, [self.here("cloudformation", "stack/SC-*")])

    def _kms(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """Keys: created with the tag, changed, used and aliased only when they carry it."""
        keys = [self.here("kms", "key/*")]
        aliases = [self.here("kms", f"alias/{self.spec.name}/{self.spec.environment}/*")]
        alias_actions = _all_of(TYPE_ACTIONS["AWS::KMS::Alias"])
        on_aliases = sorted(a for a in create + destroy if a in alias_actions)
        create = [a for a in create if a not in alias_actions]
        destroy = [a for a in destroy if a not in alias_actions]
        # A key's creation is authorized before it exists, with the tags it will carry: KMS
        # requires kms:TagResource not restricted to particular keys for it ("ABAC for KMS").
        with_the_tag = Condition(
            StringEquals(f"aws:RequestTag/{PLATFORM_TAG}", self.spec.stack_name)
        )
        return [
            *self._allow(
                "CreateKeysWithThePlatformTag", service, ["CreateKey"], ["*"], with_the_tag
            ),
            *self._allow("TagKeysWithThePlatformTag", service, ["TagResource"], keys, with_the_tag),
            *self._allow(
                "ManageThePlatformsKeysOnly", service, create + destroy, keys, self.tagged
            ),
            # Creating encrypted secrets, volumes, a database or a cluster with the platform's
            # keys: the caller needs these (Secrets Manager "Secret encryption and
            # decryption"; RDS "Password management": Decrypt, GenerateDataKey, CreateGrant).
            *self._allow(
                "EncryptWithThePlatformsKeysOnly",
                service,
                [
                    "Decrypt",
                    "Encrypt",
                    "GenerateDataKey",
                    "GenerateDataKeyWithoutPlaintext",
                    "ReEncryptFrom",
                    "ReEncryptTo",
                ],
                keys,
                self.tagged,
            ),
            *self._allow(
                "GrantAwsServicesThePlatformsKeysOnly",
                service,
                ["CreateGrant"],
                keys,
                Condition(
                    [
                        StringEquals(f"aws:ResourceTag/{PLATFORM_TAG}", self.spec.stack_name),
                        Bool("kms:GrantIsForAWSResource", "true"),
                    ]
                ),
            ),
            *self._allow("NameThePlatformsAliases", service, on_aliases, aliases),
            *self._allow(
                "PointAliasesAtThePlatformsKeysOnly", service, on_aliases, keys, self.tagged
            ),
        ]

    def _iam(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """Roles by the platform tag; instance profiles and OIDC providers by name."""
        path = self.spec.iam.role_path
        roles = [self.iam(f"role{path}*")]
        profiles = [
            self.iam(f"instance-profile{path}{name}")
            for name in self.found.named("AWS::IAM::InstanceProfile")
        ]
        providers = [self.iam("oidc-provider/oidc.eks.${AWS::Region}.amazonaws.com/id/*")]
        role_actions = _all_of(TYPE_ACTIONS["AWS::IAM::Role"])
        profile_actions = _all_of(TYPE_ACTIONS["AWS::IAM::InstanceProfile"])
        provider_actions = _all_of(TYPE_ACTIONS["AWS::IAM::OIDCProvider"])
        creating: list[ConditionElement] = [
            StringEquals(f"aws:RequestTag/{PLATFORM_TAG}", self.spec.stack_name)
        ]
        boundary = self.spec.iam.permissions_boundary_arn
        if boundary is not None:
            creating.append(ArnEquals("iam:PermissionsBoundary", boundary))
        return [
            *self._allow(
                "CreateRolesOnlyWithThePlatformTag",
                service,
                ["CreateRole", *(["PutRolePermissionsBoundary"] if boundary else [])],
                roles,
                Condition(creating),
            ),
            *self._allow(
                "ReadRolesOfThisPath",
                service,
                [a for a in create if a in role_actions],
                roles,
            ),
            *self._allow(
                "ChangeThePlatformsRolesOnly",
                service,
                [a for a in destroy if a in role_actions],
                roles,
                Condition(StringEquals(f"aws:ResourceTag/{PLATFORM_TAG}", self.spec.stack_name)),
            ),
            *self._allow(
                "ManageTheInstanceProfilesTheTemplatesName",
                service,
                [a for a in create + destroy if a in profile_actions],
                profiles,
            ),
            *self._allow(
                "CreateEksOidcProvidersWithThePlatformTag",
                service,
                [a for a in create if a == "CreateOpenIDConnectProvider"],
                providers,
                Condition(StringEquals(f"aws:RequestTag/{PLATFORM_TAG}", self.spec.stack_name)),
            ),
            *self._allow(
                "ReadEksOidcProviders",
                service,
                [a for a in create if a in provider_actions and a.startswith("Get")],
                providers,
            ),
            *self._allow(
                "ChangeThePlatformsOidcProvidersOnly",
                service,
                [a for a in destroy if a in provider_actions],
                providers,
                self.tagged,
            ),
        ]

    def passing_and_service_linked_roles(self) -> list[Statement]:
        """PassRole for the platform's roles to the services that take them; the services'
        own service-linked roles, created on first use."""
        types = self.found.resource_types
        services = sorted({s for kind in types for s in PASSED_TO.get(kind, ())})
        linked = sorted({s for kind in types for s in SERVICE_LINKED.get(kind, ())})
        return [
            *self._allow(
                "PassThePlatformsRolesToItsServicesOnly",
                "iam",
                ["PassRole"] if services else [],
                [self.iam(f"role{self.spec.iam.role_path}*")],
                # One StringEquals holding both keys (two would overwrite each other).
                Condition(
                    StringEquals(
                        {
                            "iam:PassedToService": services,
                            f"aws:ResourceTag/{PLATFORM_TAG}": self.spec.stack_name,
                        }
                    )
                ),
            ),
            *self._allow(
                "CreateTheServicesLinkedRoles",
                "iam",
                ["CreateServiceLinkedRole"] if linked else [],
                [self.iam("role/aws-service-role/*")],
                Condition(StringEquals("iam:AWSServiceName", linked)),
            ),
        ]


def _all_of(actions: TypeActions) -> set[str]:
    return {*actions.create, *actions.delete, *actions.guarded}


def _unscoped(by_service: dict[str, tuple[set[str], set[str]]]) -> list[Statement]:
    reads = sorted(
        (service, action) for service in by_service for action in UNSCOPED.get(service, ())
    )
    if not reads:
        return []
    return [
        Statement(
            Sid="ActionsThatTakeNoResourceScope",
            Effect=Allow,
            Action=[Action(service, action) for service, action in reads],
            Resource=["*"],
        )
    ]


def _never_itself(spec: PlatformSpec) -> Statement:
    """The launch role may not change itself, whatever else allows it."""
    return Statement(
        Sid="NeverChangeThisRole",
        Effect=Deny,
        Action=[
            Action("iam", a)
            for a in (
                "AttachRolePolicy",
                "DeleteRole",
                "DeleteRolePermissionsBoundary",
                "DeleteRolePolicy",
                "DetachRolePolicy",
                "PutRolePermissionsBoundary",
                "PutRolePolicy",
                "TagRole",
                "UntagRole",
                "UpdateAssumeRolePolicy",
                "UpdateRole",
            )
        ],
        Resource=[
            Sub(
                f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{spec.iam.role_path}"
                + launch_role_name(spec).data["Fn::Sub"]
            )
        ],
    )
