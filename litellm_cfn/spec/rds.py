"""The `rds` section: the PostgreSQL instance that holds LiteLLM's keys and spend logs."""

from typing import Annotated, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from litellm_cfn.spec.base import (
    Bool,
    Checked,
    Int,
    Model,
    RetentionDays,
    Str,
    Violation,
    check_rules,
    invalid,
    matching,
    one_of,
)

# PostgreSQL majors RDS supports in standard support (13 ended in February 2026).
SUPPORTED_MAJORS = (14, 15, 16, 17, 18)
GP3_MINIMUM_GIB = 20
RESERVED_USERNAMES = frozenset(
    {
        "postgres",
        "rdsadmin",
        "rdsrepladmin",
        "rds_superuser",
        "rds_replication",
        "rds_password",
        "rds_iam",
        "public",
    }
)
RESERVED_DATABASES = frozenset({"postgres", "template0", "template1", "rdsadmin"})

InstanceClass = Annotated[
    Str,
    matching(r"db\.[a-z0-9-]+\.[a-z0-9]+", "is not an RDS instance class such as db.t3.medium"),
]


def _engine_version(value: str) -> str:
    major = int(value.split(".")[0])
    if major not in SUPPORTED_MAJORS:
        supported = ", ".join(str(m) for m in SUPPORTED_MAJORS)
        raise invalid(f"PostgreSQL {major} is not a major RDS supports; use one of {supported}")
    return value


def _not_reserved(reserved: frozenset[str], what: str) -> Checked:
    def check(value: str) -> str:
        if value.lower() in reserved or value.lower().startswith("pg_"):
            raise invalid(f"{value!r} is reserved by PostgreSQL or RDS; choose another {what}")
        return value

    return Checked(check)


_IDENTIFIER = r"[A-Za-z][A-Za-z0-9_]{0,62}"
EngineVersion = Annotated[
    Str,
    matching(r"\d{2}\.\d{1,2}", 'is not a PostgreSQL major.minor version such as "17.9"'),
    Checked(_engine_version),
]
DatabaseName = Annotated[
    Str,
    matching(_IDENTIFIER, "is not a PostgreSQL name: a letter, then letters, digits or _"),
    _not_reserved(RESERVED_DATABASES, "database name"),
]
# RDS snapshot identifiers: 1-255 letters, digits or hyphens, a letter first, no two hyphens in
# a row and none last (CloudFormation AWS::RDS::DBSnapshot, DBSnapshotIdentifier: pattern
# ^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$, 1-255). A shared snapshot must be named by its ARN
# (RDS API Reference, RestoreDBInstanceFromDBSnapshot, DBSnapshotIdentifier).
_SNAPSHOT_ID = r"(?![\s\S]{256})[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
_SNAPSHOT_ARN = r"arn:aws[a-z-]*:rds:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:snapshot:"
SnapshotIdentifier = Annotated[
    Str,
    matching(
        rf"{_SNAPSHOT_ID}|{_SNAPSHOT_ARN}{_SNAPSHOT_ID}",
        "is not an RDS snapshot identifier (1-255 letters, digits or hyphens, a letter first, "
        "no double or trailing hyphen) or snapshot ARN (arn:aws:rds:REGION:ACCOUNT:snapshot:ID)",
    ),
]
Username = Annotated[
    Str,
    matching(_IDENTIFIER, "is not a PostgreSQL name: a letter, then letters, digits or _"),
    _not_reserved(RESERVED_USERNAMES, "username"),
]


class Rds(Model):
    """The seed's `rds` module: PostgreSQL with Multi-AZ, encryption and a managed password."""

    instance_class: InstanceClass = Field("db.t3.medium", description="RDS instance class.")
    multi_az: Bool = Field(True, description="A synchronous standby in another zone.")
    engine_version: EngineVersion = Field(
        "17.9", description="PostgreSQL major.minor; minor upgrades then apply automatically."
    )
    allocated_storage: Int = Field(
        20, ge=GP3_MINIMUM_GIB, le=65536, description="gp3 storage to start with, GiB."
    )
    max_allocated_storage: Int = Field(
        100, le=65536, description="Storage autoscaling grows up to this many GiB."
    )
    database_name: DatabaseName = Field("litellm", description="Database LiteLLM uses.")
    username: Username = Field("litellm", description="Master user; RDS manages its password.")
    app_username: Username = Field(
        "litellm_app",
        description="LiteLLM's own user, which signs in with IAM database authentication.",
    )
    force_ssl: Bool = Field(True, description="Refuse connections without TLS.")
    backup_retention_days: Int = Field(7, ge=1, le=35, description="Daily backups kept, days.")
    performance_insights: Bool = Field(
        True,
        description="Detailed per-query metrics (Performance Insights, now part of "
        "Database Insights), KMS-encrypted.",
    )
    database_insights: Literal["standard", "advanced"] = Field(
        "standard",
        description="CloudWatch Database Insights mode; advanced (billed) needs "
        "performance_insights and keeps 15 months.",
    )
    monitoring_interval: Annotated[
        Int, one_of((0, 1, 5, 10, 15, 30, 60), "an enhanced monitoring interval")
    ] = Field(60, description="Enhanced monitoring interval in seconds (0 turns it off).")
    log_retention_days: RetentionDays = Field(
        30, description="Days CloudWatch Logs keeps the postgresql and upgrade logs."
    )
    deletion_protection: Bool | None = Field(
        None, description="Refuse to delete the database; default: on in prod."
    )
    restore_from_snapshot: SnapshotIdentifier | None = Field(
        None,
        description="Create the database from this RDS snapshot (identifier, or ARN if "
        "shared), such as the final snapshot a deleted platform left. Keep it in the spec "
        "afterwards, unchanged: changing or removing it makes CloudFormation create a new "
        "instance and delete the restored one.",
    )

    @property
    def parameter_group_family(self) -> str:
        """`17.9` -> `postgres17`."""
        return f"postgres{self.engine_version.split('.')[0]}"

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(
            self._storage_can_grow(),
            self._advanced_insights_have_their_metrics(),
            self._app_user_is_not_the_master(),
        )
        return self

    def _app_user_is_not_the_master(self) -> Violation | None:
        # IAM authentication (rds_iam) would lock the master user out of its password.
        if self.app_username.lower() == self.username.lower():
            return (
                "app_username",
                "must differ from username: LiteLLM's user signs in with IAM, which would "
                "stop the master user signing in with its password",
            )
        return None

    def _advanced_insights_have_their_metrics(self) -> Violation | None:
        if self.database_insights == "advanced" and not self.performance_insights:
            return (
                "database_insights",
                "advanced mode needs performance_insights: true (RDS requires Performance "
                "Insights with 465 days of retention for it)",
            )
        return None

    def _storage_can_grow(self) -> Violation | None:
        # RDS requires the autoscaling ceiling to be at least 10% above the allocation.
        least = -(-self.allocated_storage * 11 // 10)
        if self.max_allocated_storage < least:
            return (
                "max_allocated_storage",
                f"must be at least {least} (10% above allocated_storage, {self.allocated_storage})",
            )
        return None
