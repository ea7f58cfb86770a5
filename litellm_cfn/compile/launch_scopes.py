"""Where the launch role's actions may act, service by service: by the names the templates
give, by the platform tag, or (for what AWS cannot scope) anywhere, each as the Service
Authorization Reference allows (list_awsidentityandaccessmanagementiam.html,
list_awskeymanagementservice.html, list_amazonec2.html; AWS KMS "ABAC for AWS KMS")."""

from __future__ import annotations

from awacs.aws import (
    Action,
    Allow,
    ArnEquals,
    Bool,
    Condition,
    ConditionElement,
    Deny,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, Sub

from litellm_cfn.compile.launch_actions import (
    PASSED_TO,
    SERVICE_LINKED,
    TYPE_ACTIONS,
    UNSCOPED,
    Footprint,
    TypeActions,
)
from litellm_cfn.spec import PlatformSpec
from litellm_cfn.tagging import PLATFORM_TAG
from nested_stacks.base import secret_name


class Scopes:
    """Where each service's actions may act for this platform, and under which condition."""

    def __init__(self, spec: PlatformSpec, found: Footprint) -> None:
        self.spec = spec
        self.found = found
        self.tagged = Condition(StringEquals(f"aws:ResourceTag/{PLATFORM_TAG}", spec.stack_name))

    def here(self, service: str, resource: str) -> Sub:
        """`resource`'s ARN in this account and region."""
        return Sub(
            f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
        )

    def iam(self, resource: str) -> Sub:
        """An IAM `resource`'s ARN in this account (IAM has no region)."""
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

    def _ssm(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """AWS's public parameters (the bastion's AMI id); only AWS writes under them."""
        public = [Sub("arn:${AWS::Partition}:ssm:${AWS::Region}:*:parameter/aws/service/*")]
        return self._allow("ReadAwsPublicParameters", service, create + destroy, public)

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
        """What every platform secret's name starts with."""
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


def unscoped(by_service: dict[str, tuple[set[str], set[str]]]) -> list[Statement]:
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


def never_itself(spec: PlatformSpec, name: Sub) -> Statement:
    """The launch role (named `name`) may not change itself, whatever else allows it."""
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
                + name.data["Fn::Sub"]
            )
        ],
    )
