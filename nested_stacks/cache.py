"""Cache stack: the ElastiCache (Valkey or Redis OSS) replication group LiteLLM shares state in.

Cluster mode disabled: one primary and `replicas` readers behind one primary endpoint, which
is what LiteLLM's `REDIS_HOST`/`REDIS_PORT` settings address. In the database subnets (no
route out of the VPC), reachable on 6379 only from the private subnets where the pods run;
TLS required in transit; encrypted at rest, snapshots included, with a customer-managed key;
AUTH required, with the platform's generated Redis password, which CloudFormation resolves
from Secrets Manager at deploy time so it is never written into a template (CloudFormation
User Guide, "Get values stored in other services using dynamic references",
dynamic-references-secretsmanager.html). Multi-AZ with automatic failover when asked (on by
default in prod); the slow log and the engine log go to encrypted, retained log groups.

Takes the VPC's outputs and the secrets stack's Redis password, so it is created in parallel
with the database and the cluster. Replacing the group loses no platform data (LiteLLM keeps
its keys and spend in PostgreSQL) but interrupts rate limiting and caching: the review calls
a replacement out as downtime. A final snapshot is taken on delete and on replacement.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Parameter, Ref, Sub, Tags, Template, ec2, elasticache

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import (
    KEEP_A_SNAPSHOT,
    database_tier_parameters,
    from_private_subnets,
    new_template,
    no_egress,
    resource_name,
    spec_asked_for,
)
from nested_stacks.encryption import customer_managed_key
from nested_stacks.logs import encrypted_log_groups
from nested_stacks.wiring import (
    CACHE_ENDPOINT,
    CACHE_PORT,
    CACHE_REPLICATION_GROUP_ID,
    CACHE_SECURITY_GROUP_ID,
    REDIS_PASSWORD_SECRET_ARN,
)

NAME = "cache"

# The Valkey and Redis OSS default port (ElastiCache User Guide, "Finding connection
# endpoints", Endpoints.html).
REDIS_PORT = 6379
# Both log types ElastiCache delivers for Valkey 7.2+ and Redis OSS 6.2+ (ElastiCache User
# Guide, "Log delivery", Log_Delivery.html).
LOG_TYPES = ("slow-log", "engine-log")


def enabled(spec: PlatformSpec) -> bool:
    """Built unless `cache.enabled` is false."""
    return spec.cache.enabled


def log_group_name(spec: PlatformSpec, log_type: str) -> str:
    """Where ElastiCache delivers one log type: `/aws/elasticache/<name>-<env>/<type>`."""
    return f"/aws/elasticache/{spec.stack_name}/{log_type}"


def build(spec: PlatformSpec) -> Template:
    """The cache stack's template."""
    template = new_template(spec, "ElastiCache replication group for LiteLLM's shared state")
    vpc_id, subnets = database_tier_parameters(template)
    password = template.add_parameter(
        Parameter(
            REDIS_PASSWORD_SECRET_ARN.name,
            Type="String",
            Description="The secret holding the Redis password, the group's AUTH token.",
        )
    )
    key = customer_managed_key(
        template,
        spec,
        "CacheKey",
        alias="cache",
        purpose="ElastiCache data at rest and its snapshots",
        # ElastiCache uses the key through grants made with its caller's permissions, which
        # the account-root statement lets IAM policies give (ElastiCache User Guide, "At-Rest
        # Encryption", at-rest-encryption.html).
        users=[],
    )
    security_group = template.add_resource(
        ec2.SecurityGroup(
            "CacheSecurityGroup",
            # Fixed text: a group's description cannot change without replacing the group.
            GroupDescription=f"{spec.stack_name}: the cache from the private subnets only",
            VpcId=Ref(vpc_id),
            SecurityGroupIngress=from_private_subnets(spec, REDIS_PORT, "The cache"),
            SecurityGroupEgress=no_egress("No egress: the cache starts no connections"),
            Tags=Tags(Name=resource_name(spec, "cache")),
        )
    )
    subnet_group = template.add_resource(
        elasticache.SubnetGroup(
            "CacheSubnetGroup",
            Description=f"{spec.stack_name}: the database subnets",
            SubnetIds=Ref(subnets),
        )
    )
    log_groups = encrypted_log_groups(
        template,
        spec,
        "CacheLogsKey",
        alias="cache-logs",
        purpose=f"ElastiCache {' and '.join(LOG_TYPES)}",
        groups={_log_group_id(kind): log_group_name(spec, kind) for kind in LOG_TYPES},
        retention_days=spec.cache.log_retention_days,
    )
    group = template.add_resource(
        elasticache.ReplicationGroup(
            "CacheReplicationGroup",
            DependsOn=list(log_groups),
            **KEEP_A_SNAPSHOT,
            **_group_properties(spec, key, security_group, subnet_group, password),
        )
    )
    if spec.cache.snapshot_retention_days == 0:
        spec_asked_for(group, "CKV_AWS_134", "cache.snapshot_retention_days is 0 in the spec")
    for name, description, value in (
        (CACHE_ENDPOINT.name, "Primary endpoint of the cache (TLS)", "PrimaryEndPoint.Address"),
        (CACHE_PORT.name, "Port of the cache", "PrimaryEndPoint.Port"),
    ):
        template.add_output(Output(name, Description=description, Value=GetAtt(group, value)))
    template.add_output(
        Output(
            CACHE_REPLICATION_GROUP_ID.name,
            Description="The replication group, for ElastiCache commands (AUTH rotation)",
            Value=Ref(group),
        )
    )
    template.add_output(
        Output(
            CACHE_SECURITY_GROUP_ID.name,
            Description="Security group of the cache",
            Value=Ref(security_group),
        )
    )
    return template


def _log_group_id(log_type: str) -> str:
    """`slow-log` -> `CacheSlowLogLogGroup`."""
    return f"Cache{log_type.title().replace('-', '')}LogGroup"


def _group_properties(
    spec: PlatformSpec,
    key: object,
    security_group: ec2.SecurityGroup,
    subnet_group: elasticache.SubnetGroup,
    password: Parameter,
) -> dict[str, object]:
    settings = spec.cache
    multi_az = spec.cache_multi_az
    return {
        "ReplicationGroupDescription": f"{spec.stack_name}: LiteLLM's shared state",
        "Engine": settings.engine,
        "EngineVersion": settings.version,
        "CacheNodeType": settings.node_type,
        "NumCacheClusters": 1 + spec.cache_replicas,
        "MultiAZEnabled": multi_az,
        "AutomaticFailoverEnabled": multi_az,
        "Port": REDIS_PORT,
        "CacheSubnetGroupName": Ref(subnet_group),
        "SecurityGroupIds": [Ref(security_group)],
        "TransitEncryptionEnabled": True,
        "TransitEncryptionMode": "required",
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": GetAtt(key, "Arn"),
        # CloudFormation resolves this when the property changes, never by itself: rotating
        # the password is a manual, two-step AUTH rotation the README describes.
        "AuthToken": Sub(f"{{{{resolve:secretsmanager:${{{password.title}}}:SecretString}}}}"),
        "AutoMinorVersionUpgrade": True,
        "SnapshotRetentionLimit": settings.snapshot_retention_days,
        "LogDeliveryConfigurations": [
            elasticache.LogDeliveryConfigurationRequest(
                LogType=kind,
                LogFormat="json",
                DestinationType="cloudwatch-logs",
                DestinationDetails=elasticache.DestinationDetails(
                    CloudWatchLogsDetails=elasticache.CloudWatchLogsDestinationDetails(
                        LogGroup=log_group_name(spec, kind)
                    )
                ),
            )
            for kind in LOG_TYPES
        ],
    }
