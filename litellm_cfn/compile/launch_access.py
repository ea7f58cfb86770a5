"""The launch role's reach over identities and keys: IAM roles, instance profiles and OIDC
providers, KMS keys, passing roles to services, the reads AWS cannot scope, and the Deny
that keeps the role from changing itself. Condition keys: Service Authorization Reference
(list_awsidentityandaccessmanagementiam.html, list_awskeymanagementservice.html); AWS KMS
"ABAC for AWS KMS"; IAM "Granting a user permissions to pass a role to an AWS service"
(iam:PassedToService)."""

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
from troposphere import Sub

from litellm_cfn.compile.launch_actions import PASSED_TO, SERVICE_LINKED, TYPE_ACTIONS, UNSCOPED
from litellm_cfn.compile.launch_scopes import Scopes, all_of
from litellm_cfn.compile.tagging import PLATFORM_TAG


class PlatformScopes(Scopes):
    """Every service's scopes: the resource services, and roles and keys."""

    def _kms(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """Keys: created with the tag, changed, used and aliased only when they carry it."""
        keys = [self.here("kms", "key/*")]
        aliases = [self.here("kms", f"alias/{self.spec.name}/{self.spec.environment}/*")]
        alias_actions = all_of(TYPE_ACTIONS["AWS::KMS::Alias"])
        on_aliases = sorted(a for a in create + destroy if a in alias_actions)
        create = [a for a in create if a not in alias_actions]
        destroy = [a for a in destroy if a not in alias_actions]
        # A key's creation is authorized before it exists, with the tags it will carry: KMS
        # requires kms:TagResource not restricted to particular keys for it ("ABAC for KMS").
        with_the_tag = self.requested
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
        profile_actions = all_of(TYPE_ACTIONS["AWS::IAM::InstanceProfile"])
        profiles = [
            self.iam(f"instance-profile{self.spec.iam.role_path}{name}")
            for name in self.found.named("AWS::IAM::InstanceProfile")
        ]
        return [
            *self._roles(service, create, destroy),
            *self._allow(
                "ManageTheInstanceProfilesTheTemplatesName",
                service,
                [a for a in create + destroy if a in profile_actions],
                profiles,
            ),
            *self._oidc_providers(service, create, destroy),
        ]

    def _roles(self, service: str, create: list[str], destroy: list[str]) -> list[Statement]:
        """Created only with the platform tag (and the boundary, if any), changed only when
        they carry it."""
        roles = [self.iam(f"role{self.spec.iam.role_path}*")]
        role_actions = all_of(TYPE_ACTIONS["AWS::IAM::Role"])
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
                self.tagged,
            ),
        ]

    def _oidc_providers(
        self, service: str, create: list[str], destroy: list[str]
    ) -> list[Statement]:
        """EKS's providers in this region: created with the tag, changed only with it."""
        providers = [self.iam("oidc-provider/oidc.eks.${AWS::Region}.amazonaws.com/id/*")]
        provider_actions = all_of(TYPE_ACTIONS["AWS::IAM::OIDCProvider"])
        return [
            *self._allow(
                "CreateEksOidcProvidersWithThePlatformTag",
                service,
                [a for a in create if a == "CreateOpenIDConnectProvider"],
                providers,
                self.requested,
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


def never_itself(arn: Sub) -> Statement:
    """The role whose ARN is `arn` may not change itself, whatever else allows it."""
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
        Resource=[arn],
    )
