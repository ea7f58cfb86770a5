"""RDS stack: the seed's `rds` module, the state that must never be lost.

PostgreSQL in the database subnets, never public, reachable on 5432 only from the private
subnets; storage, the RDS-managed master password, Performance Insights and the connection
secret encrypted with one customer-managed key; TLS forced; IAM authentication; backups,
enhanced monitoring and logs into encrypted log groups. The instance is snapshotted, never
simply deleted or replaced, and deletion-protected in prod. Takes only the VPC's outputs,
so CloudFormation creates it (the slowest resource) in parallel with the EKS cluster.
"""

from __future__ import annotations

import json

from troposphere import (
    GetAtt,
    Output,
    Parameter,
    Ref,
    Sub,
    Tags,
    Template,
    ec2,
    kms,
    rds,
    secretsmanager,
)

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import (
    KEEP_A_SNAPSHOT,
    RETAIN,
    database_tier_parameters,
    from_private_subnets,
    new_template,
    no_egress,
    resource_name,
    secret_name,
    spec_asked_for,
)
from nested_stacks.encryption import customer_managed_key
from nested_stacks.logs import encrypted_log_groups
from nested_stacks.policies import aws_managed_policy, regional_arn, role, service_trust
from nested_stacks.wiring import (
    DB_CONNECTION_SECRET_ARN,
    DB_CONNECTION_SECRET_NAME,
    RDS_DATABASE_NAME,
    RDS_ENDPOINT,
    RDS_KEY_ARN,
    RDS_MASTER_USER_SECRET_ARN,
    RDS_PORT,
    RDS_RESOURCE_ID,
    RDS_SECURITY_GROUP_ID,
)

NAME = "rds"

POSTGRES_PORT = 5432
LOG_EXPORTS = ("postgresql", "upgrade")
ADVANCED_INSIGHTS_RETENTION_DAYS = 465


def enabled(spec: PlatformSpec) -> bool:
    """The database is always built: LiteLLM keeps its keys and spend logs there."""
    return True


def instance_identifier(spec: PlatformSpec) -> str:
    """The DB instance identifier, which also names the log groups RDS writes to."""
    return resource_name(spec, "postgres")


def build(spec: PlatformSpec) -> Template:
    """The RDS stack's template."""
    template = new_template(spec, "PostgreSQL database and its connection secret")
    vpc_id, subnets = database_tier_parameters(template)
    key = customer_managed_key(
        template,
        spec,
        "DatabaseKey",
        alias="rds",
        purpose="RDS storage, master password, Performance Insights and connection secret",
        users=[],
    )
    security_group = template.add_resource(_security_group(spec, vpc_id))
    database = template.add_resource(
        rds.DBInstance(
            "Database",
            DependsOn=_log_groups(template, spec),
            **KEEP_A_SNAPSHOT,
            **_instance_properties(template, spec, key, security_group, subnets),
        )
    )
    for check_id, asked, reason in (
        ("CKV_AWS_157", not spec.rds.multi_az, "rds.multi_az is false in the spec"),
        ("CKV2_AWS_69", not spec.rds.force_ssl, "rds.force_ssl is false in the spec"),
        (
            "CKV_AWS_118",
            spec.rds.monitoring_interval == 0,
            "rds.monitoring_interval is 0 in the spec",
        ),
    ):
        if asked:
            spec_asked_for(database, check_id, reason)
    connection = template.add_resource(_connection_secret(spec, database, key))
    _outputs(template, spec, database, key, security_group, connection)
    return template


def _security_group(spec: PlatformSpec, vpc_id: Parameter) -> ec2.SecurityGroup:
    """5432 from each private subnet (EKS pods, the bastion), nothing else, no way out."""
    return ec2.SecurityGroup(
        "DatabaseSecurityGroup",
        GroupDescription=f"{spec.stack_name}: PostgreSQL from the private subnets only",
        VpcId=Ref(vpc_id),
        SecurityGroupIngress=from_private_subnets(spec, POSTGRES_PORT, "PostgreSQL"),
        SecurityGroupEgress=no_egress("No egress: the database starts no connections"),
        Tags=Tags(Name=resource_name(spec, "postgres")),
    )


def _log_groups(template: Template, spec: PlatformSpec) -> list[str]:
    """The log groups RDS exports to, created first so retention and encryption are ours."""
    groups = encrypted_log_groups(
        template,
        spec,
        "DatabaseLogsKey",
        alias="rds-logs",
        purpose="RDS PostgreSQL logs",
        groups={
            f"Database{kind.capitalize()}LogGroup": (
                f"/aws/rds/instance/{instance_identifier(spec)}/{kind}"
            )
            for kind in LOG_EXPORTS
        },
        retention_days=spec.rds.log_retention_days,
    )
    return list(groups)


def _instance_properties(
    template: Template,
    spec: PlatformSpec,
    key: kms.Key,
    security_group: ec2.SecurityGroup,
    subnets: Parameter,
) -> dict[str, object]:
    settings = spec.rds
    subnet_group = template.add_resource(
        rds.DBSubnetGroup(
            "DatabaseSubnetGroup",
            DBSubnetGroupDescription=f"{spec.stack_name}: the database subnets",
            SubnetIds=Ref(subnets),
        )
    )
    parameters = template.add_resource(
        rds.DBParameterGroup(
            "DatabaseParameterGroup",
            Description=f"{spec.stack_name}: PostgreSQL settings",
            Family=settings.parameter_group_family,
            Parameters={"rds.force_ssl": "1" if settings.force_ssl else "0"},
        )
    )
    key_arn = GetAtt(key, "Arn")
    props: dict[str, object] = {
        "DBInstanceIdentifier": instance_identifier(spec),
        "Engine": "postgres",
        "EngineVersion": settings.engine_version,
        "AutoMinorVersionUpgrade": True,
        # Always on, so a new major in rds.engine_version upgrades in place (with the parameter
        # group of its family) rather than failing: it permits only what EngineVersion asks
        # for, and changing it interrupts nothing (CloudFormation AWS::RDS::DBInstance,
        # AllowMajorVersionUpgrade; RDS User Guide, "Upgrading the PostgreSQL DB engine").
        "AllowMajorVersionUpgrade": True,
        "DBInstanceClass": settings.instance_class,
        "MultiAZ": settings.multi_az,
        "StorageType": "gp3",
        "AllocatedStorage": str(settings.allocated_storage),
        "MaxAllocatedStorage": settings.max_allocated_storage,
        "StorageEncrypted": True,
        "KmsKeyId": key_arn,
        "DBName": settings.database_name,
        "MasterUsername": settings.username,
        "ManageMasterUserPassword": True,
        "MasterUserSecret": rds.MasterUserSecret(KmsKeyId=key_arn),
        "EnableIAMDatabaseAuthentication": True,
        "DBSubnetGroupName": Ref(subnet_group),
        "VPCSecurityGroups": [Ref(security_group)],
        "PubliclyAccessible": False,
        "Port": str(POSTGRES_PORT),
        "DBParameterGroupName": Ref(parameters),
        "BackupRetentionPeriod": settings.backup_retention_days,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": spec.protects(settings.deletion_protection),
        "EnableCloudwatchLogsExports": list(LOG_EXPORTS),
    }
    # Performance Insights reached end of life on 2026-07-31 as a console; its API and these
    # properties live on inside CloudWatch Database Insights, which RDS now sets by mode
    # (RDS User Guide, USER_DatabaseInsights.html: advanced needs Performance Insights kept
    # 465 days; standard is the default and keeps 7 days free).
    props["DatabaseInsightsMode"] = settings.database_insights
    if settings.performance_insights:
        props |= {
            "EnablePerformanceInsights": True,
            "PerformanceInsightsKMSKeyId": key_arn,
            "PerformanceInsightsRetentionPeriod": ADVANCED_INSIGHTS_RETENTION_DAYS
            if settings.database_insights == "advanced"
            else 7,
        }
    if settings.monitoring_interval:
        monitoring_role = template.add_resource(
            role(
                spec,
                "DatabaseMonitoringRole",
                "lets RDS enhanced monitoring publish OS metrics",
                service_trust(
                    "monitoring.rds.amazonaws.com",
                    regional_arn("rds", f"db:{instance_identifier(spec)}"),
                ),
                managed_policy_arns=[
                    aws_managed_policy("service-role/AmazonRDSEnhancedMonitoringRole")
                ],
            )
        )
        props |= {
            "MonitoringInterval": settings.monitoring_interval,
            "MonitoringRoleArn": GetAtt(monitoring_role, "Arn"),
        }
    return _restored(props, settings.restore_from_snapshot)


# CloudFormation AWS::RDS::DBInstance, DBSnapshotIdentifier: restoring, "don't specify" DBName,
# KmsKeyId, MasterUsername (the snapshot brings them), CharacterSetName, MasterUserPassword, ...;
# StorageEncrypted stays: barred for unencrypted snapshots only, and this stack leaves none.
NOT_WITH_A_SNAPSHOT = ("DBName", "KmsKeyId", "MasterUsername")


def _restored(props: dict[str, object], snapshot: str | None) -> dict[str, object]:
    """The instance's properties, restoring `snapshot` when the spec names one."""
    if snapshot is None:
        return props
    kept = {name: value for name, value in props.items() if name not in NOT_WITH_A_SNAPSHOT}
    return kept | {"DBSnapshotIdentifier": snapshot}


def _connection_secret(
    spec: PlatformSpec, database: rds.DBInstance, key: kms.Key
) -> secretsmanager.Secret:
    """Where to connect, without the password: RDS rotates that in its own secret, and the
    Kubernetes side composes DATABASE_URL from both when it syncs, so rotation never breaks
    a frozen URL."""
    document = {
        "host": "${Host}",
        "port": "${Port}",
        "dbname": spec.rds.database_name,
        "username": spec.rds.username,
        "sslmode": "require",
    }
    return secretsmanager.Secret(
        "DbConnectionSecret",
        **RETAIN,
        Name=secret_name(spec, "db-connection"),
        Description=f"{spec.stack_name}: PostgreSQL host, port, database, user (no password)",
        KmsKeyId=GetAtt(key, "Arn"),
        SecretString=Sub(
            json.dumps(document, indent=2),
            Host=GetAtt(database, "Endpoint.Address"),
            Port=GetAtt(database, "Endpoint.Port"),
        ),
    )


def _outputs(
    template: Template,
    spec: PlatformSpec,
    database: rds.DBInstance,
    key: kms.Key,
    security_group: ec2.SecurityGroup,
    connection: secretsmanager.Secret,
) -> None:
    for name, description, value in (
        (RDS_ENDPOINT.name, "PostgreSQL host name", GetAtt(database, "Endpoint.Address")),
        (RDS_PORT.name, "PostgreSQL port", GetAtt(database, "Endpoint.Port")),
        (RDS_DATABASE_NAME.name, "Database LiteLLM uses", spec.rds.database_name),
        (
            RDS_MASTER_USER_SECRET_ARN.name,
            "Secret where RDS keeps and rotates the master password",
            GetAtt(database, "MasterUserSecret.SecretArn"),
        ),
        (
            RDS_RESOURCE_ID.name,
            "DbiResourceId: names the instance in rds-db:connect ARNs",
            GetAtt(database, "DbiResourceId"),
        ),
        (RDS_KEY_ARN.name, "KMS key of the database and its secrets", GetAtt(key, "Arn")),
        (RDS_SECURITY_GROUP_ID.name, "Security group of the database", Ref(security_group)),
        (DB_CONNECTION_SECRET_ARN.name, "Secret with the connection parts", Ref(connection)),
        (DB_CONNECTION_SECRET_NAME.name, "Name of that secret", secret_name(spec, "db-connection")),
    ):
        template.add_output(Output(name, Description=description, Value=value))
