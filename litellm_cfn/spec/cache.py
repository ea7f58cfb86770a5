"""The `cache` section: the ElastiCache replication group LiteLLM shares state through.

LiteLLM keeps rate limits, budgets, the router's cooldowns and its response cache in Redis
once more than one instance runs (docs.litellm.ai, "Production": Redis is recommended above
one worker). Valkey is the default engine: the open-source, Redis-compatible engine
ElastiCache offers beside Redis OSS, and the one its newest versions are of (ElastiCache
User Guide, "Engine versions", engine-versions.html).
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from litellm_cfn.errors import shown
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
)

# Versions ElastiCache creates (the EngineVersion values cfn-lint's schema takes from the AWS
# API, and the ElastiCache User Guide, "Engine versions", engine-versions.html, read on
# 2026-12-01: Valkey 9.1 is the newest). Redis OSS 6.x and older are left out: they are in
# or near extended support, which ElastiCache bills.
ENGINE_VERSIONS: dict[str, tuple[str, ...]] = {
    "valkey": ("7.2", "8.0", "8.1", "8.2", "9.0", "9.1"),
    "redis": ("7.0", "7.1"),
}
# Previous-generation families: no Multi-AZ failover on t1/t2, and AWS advises moving off all.
PREVIOUS_GENERATION = ("t1", "t2", "m1", "m2", "m3", "m4", "c1", "r3", "r4")
MAX_REPLICAS = 5

CacheNodeType = Annotated[
    Str,
    matching(
        r"cache\.[a-z][a-z0-9-]*\.[a-z0-9]+",
        "is not an ElastiCache node type such as cache.t4g.medium",
    ),
]


def _current_generation(node_type: str) -> str:
    family = node_type.split(".")[1]
    if family in PREVIOUS_GENERATION:
        raise invalid(
            f"{shown(node_type)} is a previous-generation node type; use a current one such "
            "as cache.t4g.medium, cache.m7g.large or cache.r7g.large"
        )
    return node_type


class Cache(Model):
    """A cluster-mode-disabled replication group: one primary, `replicas` readers, TLS only,
    encrypted with a platform key, AUTH with the platform's generated Redis password."""

    enabled: Bool = Field(True, description="Create the cache (LiteLLM's shared state).")
    engine: Literal["valkey", "redis"] = Field(
        "valkey", description="valkey (default) or redis (Redis OSS)."
    )
    engine_version: Str | None = Field(
        None, description="Major.minor; null: the newest of the engine (Valkey 9.1, Redis OSS 7.1)."
    )
    node_type: Annotated[CacheNodeType, Checked(_current_generation)] = Field(
        "cache.m7g.large",
        description="ElastiCache node type of every node (LiteLLM sizes cache.m7g.large up to "
        "1K requests per second, cache.m7g.xlarge above).",
    )
    multi_az: Bool | None = Field(
        None, description="A replica in another zone and automatic failover; null: on in prod."
    )
    replicas: Int | None = Field(
        None,
        ge=0,
        le=MAX_REPLICAS,
        description="Read replicas beside the primary; null: 1 with multi_az, else 0.",
    )
    snapshot_retention_days: Int = Field(
        7, ge=0, le=35, description="Daily snapshots kept, days (0 turns them off)."
    )
    log_retention_days: RetentionDays = Field(
        30, description="Days CloudWatch Logs keeps the slow log and the engine log."
    )

    @property
    def version(self) -> str:
        """The engine version: the spec's, else the engine's newest."""
        return self.engine_version or ENGINE_VERSIONS[self.engine][-1]

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(self._version_of_the_engine(), self._failover_has_a_replica())
        return self

    def _version_of_the_engine(self) -> Violation | None:
        supported = ENGINE_VERSIONS[self.engine]
        if self.engine_version is None or self.engine_version in supported:
            return None
        return (
            "engine_version",
            f"{shown(self.engine_version)} is not a version ElastiCache creates for "
            f"{self.engine}; use one of {', '.join(supported)}",
        )

    def _failover_has_a_replica(self) -> Violation | None:
        # Multi-AZ needs a read replica to fail over to (ElastiCache User Guide, "Minimizing
        # downtime in ElastiCache by using Multi-AZ", AutoFailover.html).
        if self.multi_az and self.replicas == 0:
            return (
                "replicas",
                "multi_az needs at least one replica to fail over to; set replicas >= 1 or "
                "multi_az: false",
            )
        return None
