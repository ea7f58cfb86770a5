"""Where the launch role's actions may act, service by service: by the names the templates
give or by the platform tag, as the Service Authorization Reference allows
(list_amazonec2.html, list_amazonrds.html, list_amazonelastickubernetesservice.html)."""

from __future__ import annotations

from awacs.aws import (
    Action,
    Allow,
    Condition,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, Sub

from litellm_cfn.compile.launch_actions import (
    Footprint,
    TypeActions,
)
from litellm_cfn.compile.tagging import PLATFORM_TAG
from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import secret_name
from nested_stacks.secrets import REDIS_PASSWORD


class Scopes:
    """Where each service's actions may act for this platform, and under which condition:
    the services whose resources hold the platform (network, cluster, database, logs,
    secrets, stacks). Roles and keys are in compile/launch_access.py."""

    # The names of the stacks the role runs: Service Catalog names the stacks it launches
    # `SC-<account>-pp-...`, and each nested stack's name starts with its parent's.
    stacks = "SC-*"

    def __init__(self, spec: PlatformSpec, found: Footprint) -> None:
        self.spec = spec
        self.found = found
        # On an existing resource: it carries the platform tag.
        self.tagged = Condition(StringEquals(f"aws:ResourceTag/{PLATFORM_TAG}", spec.stack_name))
        # On a creation: the request sets the platform tag.
        self.requested = Condition(StringEquals(f"aws:RequestTag/{PLATFORM_TAG}", spec.stack_name))

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
            "elasticache": [self.here("elasticache", "*")],
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
        resolving = [a for a in create if a == "GetSecretValue"]
        create = [a for a in create if a != "GetSecretValue"]
        platform = [
            *self._named(
                service, create, destroy, [self.here("secretsmanager", f"secret:{self.prefix}*")]
            ),
            # The only secret a template resolves: the cache's AUTH token (the suffix is the
            # six characters Secrets Manager appends to a secret's ARN).
            *self._allow(
                "ResolveTheCachesAuthTokenOnly",
                service,
                resolving,
                [self.here("secretsmanager", f"secret:{self.prefix}{REDIS_PASSWORD}-??????")],
            ),
        ]
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
        """The stacks the role runs (`stacks`) and their nested ones."""
        resources = [self.here("cloudformation", f"stack/{self.stacks}")]
        return self._named(service, create, destroy, resources)


def all_of(actions: TypeActions) -> set[str]:
    """Every action of a resource type."""
    return {*actions.create, *actions.delete, *actions.guarded}
