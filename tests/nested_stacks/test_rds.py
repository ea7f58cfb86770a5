"""The RDS stack: a private, encrypted, snapshotted PostgreSQL that survives rotation."""

from __future__ import annotations

import json

from litellm_cfn.compile.build import build
from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.compile.lint import lint_templates
from nested_stacks import rds
from tests.conftest import spec_from


def template_of(text: str = "name: demo\n") -> dict:
    return rds.build(spec_from(text)).to_dict()


def database(text: str = "name: demo\n") -> dict:
    return template_of(text)["Resources"]["Database"]


def test_the_instance_is_postgres_with_the_seeds_class_and_multi_az():
    props = database()["Properties"]
    assert props["Engine"] == "postgres"
    assert props["EngineVersion"] == "17.9"
    assert props["DBInstanceClass"] == "db.t3.medium"
    assert props["MultiAZ"] is True
    assert props["AutoMinorVersionUpgrade"] is True
    dev = database("name: demo\nrds: {instance_class: db.t3.small, multi_az: false}\n")
    assert (dev["Properties"]["DBInstanceClass"], dev["Properties"]["MultiAZ"]) == (
        "db.t3.small",
        False,
    )


def test_storage_is_gp3_autoscaled_and_encrypted_with_a_rotating_customer_key():
    template = template_of("name: demo\nrds: {allocated_storage: 50, max_allocated_storage: 500}\n")
    props = template["Resources"]["Database"]["Properties"]
    assert props["StorageType"] == "gp3"
    assert props["AllocatedStorage"] == "50"
    assert props["MaxAllocatedStorage"] == 500
    assert props["StorageEncrypted"] is True
    key_arn = {"Fn::GetAtt": ["DatabaseKey", "Arn"]}
    assert props["KmsKeyId"] == key_arn
    assert props["ManageMasterUserPassword"] is True
    assert props["MasterUserSecret"] == {"KmsKeyId": key_arn}
    assert props["PerformanceInsightsKMSKeyId"] == key_arn
    assert "MasterUserPassword" not in props
    key = template["Resources"]["DatabaseKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"


def test_the_database_is_never_public_and_sits_in_the_database_subnets():
    template = template_of()
    props = template["Resources"]["Database"]["Properties"]
    assert props["PubliclyAccessible"] is False
    assert props["DBSubnetGroupName"] == {"Ref": "DatabaseSubnetGroup"}
    group = template["Resources"]["DatabaseSubnetGroup"]["Properties"]
    assert group["SubnetIds"] == {"Ref": "DatabaseSubnetIds"}
    assert props["VPCSecurityGroups"] == [{"Ref": "DatabaseSecurityGroup"}]


def test_postgres_is_reachable_only_from_the_private_subnets():
    group = template_of()["Resources"]["DatabaseSecurityGroup"]["Properties"]
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"])
        for r in group["SecurityGroupIngress"]
    ] == [
        ("tcp", 5432, 5432, "10.0.48.0/20"),
        ("tcp", 5432, 5432, "10.0.64.0/20"),
        ("tcp", 5432, 5432, "10.0.80.0/20"),
    ]
    assert group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "-1",
            "CidrIp": "127.0.0.1/32",
            "Description": "No egress: the database starts no connections",
        }
    ]
    custom = template_of(
        "name: demo\nvpc: {cidr: 172.20.0.0/16, az_count: 2, private_subnet_newbits: 3}\n"
    )["Resources"]["DatabaseSecurityGroup"]["Properties"]
    assert [r["CidrIp"] for r in custom["SecurityGroupIngress"]] == [
        "172.20.32.0/19",
        "172.20.64.0/19",
    ]


def test_tls_is_forced_through_a_parameter_group_of_the_engines_family():
    template = template_of()
    group = template["Resources"]["DatabaseParameterGroup"]["Properties"]
    assert group["Family"] == "postgres17"
    assert group["Parameters"] == {"rds.force_ssl": "1"}
    relaxed = template_of('name: demo\nrds: {force_ssl: false, engine_version: "16.9"}\n')
    relaxed_group = relaxed["Resources"]["DatabaseParameterGroup"]["Properties"]
    assert (relaxed_group["Family"], relaxed_group["Parameters"]) == (
        "postgres16",
        {"rds.force_ssl": "0"},
    )


def test_a_new_major_gets_its_familys_parameter_group_and_may_upgrade_in_place(tmp_path):
    for text in ("name: demo\n", 'name: demo\nrds: {engine_version: "18.1"}\n'):
        assert database(text)["Properties"]["AllowMajorVersionUpgrade"] is True
    upgraded = template_of('name: demo\nrds: {engine_version: "18.1"}\n')["Resources"]
    assert upgraded["Database"]["Properties"]["EngineVersion"] == "18.1"
    assert upgraded["Database"]["Properties"]["DBParameterGroupName"] == {
        "Ref": "DatabaseParameterGroup"
    }
    assert upgraded["DatabaseParameterGroup"]["Properties"]["Family"] == "postgres18"
    spec = spec_from('name: demo\nrds: {engine_version: "18.1"}\n')
    build(spec, tmp_path / "out", lint=False)
    assert lint_templates(tmp_path / "out", ["rds.yaml"], spec.region) == []


def test_backups_monitoring_logs_and_iam_authentication_are_on():
    template = template_of("name: demo\nrds: {backup_retention_days: 14}\n")
    props = template["Resources"]["Database"]["Properties"]
    assert props["BackupRetentionPeriod"] == 14
    assert props["CopyTagsToSnapshot"] is True
    assert props["EnableIAMDatabaseAuthentication"] is True
    assert props["EnablePerformanceInsights"] is True
    assert props["MonitoringInterval"] == 60
    assert props["MonitoringRoleArn"] == {"Fn::GetAtt": ["DatabaseMonitoringRole", "Arn"]}
    assert props["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    role = template["Resources"]["DatabaseMonitoringRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AmazonRDSEnhancedMonitoringRole"
        }
    ]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:"
                        "db:demo-prod-postgres"
                    }
                },
            },
        }
    ]
    assert "Policies" not in role


def test_monitoring_and_performance_insights_can_be_turned_off():
    template = template_of(
        "name: demo\nrds: {monitoring_interval: 0, performance_insights: false}\n"
    )
    props = template["Resources"]["Database"]["Properties"]
    assert "MonitoringRoleArn" not in props
    assert "EnablePerformanceInsights" not in props
    assert "DatabaseMonitoringRole" not in template["Resources"]


def test_exported_logs_land_in_encrypted_log_groups_created_first():
    template = template_of("name: demo\nrds: {log_retention_days: 90}\n")
    names = {
        k: r["Properties"]["LogGroupName"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    assert names == {
        "DatabasePostgresqlLogGroup": "/aws/rds/instance/demo-prod-postgres/postgresql",
        "DatabaseUpgradeLogGroup": "/aws/rds/instance/demo-prod-postgres/upgrade",
    }
    assert template["Resources"]["Database"]["DependsOn"] == list(names)
    assert template["Resources"]["Database"]["Properties"]["DBInstanceIdentifier"] == (
        "demo-prod-postgres"
    )
    for name in names:
        assert template["Resources"][name]["Properties"]["RetentionInDays"] == 90


def test_the_data_is_never_simply_lost():
    resource = database()
    assert resource["DeletionPolicy"] == "Snapshot"
    assert resource["UpdateReplacePolicy"] == "Snapshot"
    assert resource["Properties"]["DeletionProtection"] is True
    assert database("name: demo\nenvironment: dev\n")["Properties"]["DeletionProtection"] is False
    assert (
        database("name: demo\nenvironment: dev\nrds: {deletion_protection: true}\n")["Properties"][
            "DeletionProtection"
        ]
        is True
    )


def test_the_connection_secret_holds_everything_but_the_password():
    template = template_of("name: demo\nrds: {database_name: gateway, username: gw}\n")
    secret = template["Resources"]["DbConnectionSecret"]
    assert secret["DeletionPolicy"] == secret["UpdateReplacePolicy"] == "Retain"
    props = secret["Properties"]
    assert props["Name"] == "demo/prod/litellm/db-connection"
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["DatabaseKey", "Arn"]}
    text, variables = props["SecretString"]["Fn::Sub"]
    assert json.loads(text) == {
        "host": "${Host}",
        "port": "${Port}",
        "dbname": "gateway",
        "username": "gw",
        "sslmode": "require",
    }
    assert variables == {
        "Host": {"Fn::GetAtt": ["Database", "Endpoint.Address"]},
        "Port": {"Fn::GetAtt": ["Database", "Endpoint.Port"]},
    }
    assert "password" not in text.lower()


def test_outputs_include_the_seeds_endpoint_and_master_secret():
    outputs = template_of()["Outputs"]
    assert outputs["RdsEndpoint"]["Value"] == {"Fn::GetAtt": ["Database", "Endpoint.Address"]}
    assert outputs["RdsMasterUserSecretArn"]["Value"] == {
        "Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]
    }
    assert outputs["RdsResourceId"]["Value"] == {"Fn::GetAtt": ["Database", "DbiResourceId"]}
    assert set(outputs) == {
        "RdsResourceId",
        "RdsEndpoint",
        "RdsPort",
        "RdsDatabaseName",
        "RdsMasterUserSecretArn",
        "RdsKeyArn",
        "RdsSecurityGroupId",
        "DbConnectionSecretArn",
        "DbConnectionSecretName",
    }


def test_rds_and_eks_do_not_depend_on_each_other():
    root = compile_platform(spec_from("name: demo\n")).templates[ROOT_FILE].to_dict()
    stacks = root["Resources"]
    for first, second in (("RdsStack", "EksStack"), ("EksStack", "RdsStack")):
        assert second not in json.dumps(stacks[first]), f"{first} refers to {second}"
        assert "DependsOn" not in stacks[first]
    assert stacks["RdsStack"]["Properties"]["Parameters"] == {
        "VpcId": {"Fn::GetAtt": ["VpcStack", "Outputs.VpcId"]},
        "DatabaseSubnetIds": {"Fn::GetAtt": ["VpcStack", "Outputs.DatabaseSubnetIds"]},
    }
    assert "Parameters" not in stacks["SecretsStack"]["Properties"]


def test_checkov_skips_appear_only_for_what_the_spec_asked_and_carry_its_reason():
    assert "Metadata" not in database()
    loosened = database(
        "name: demo\nrds: {multi_az: false, force_ssl: false, monitoring_interval: 0}\n"
    )
    assert loosened["Metadata"]["checkov"]["skip"] == [
        {"id": "CKV_AWS_157", "comment": "rds.multi_az is false in the spec"},
        {"id": "CKV2_AWS_69", "comment": "rds.force_ssl is false in the spec"},
        {"id": "CKV_AWS_118", "comment": "rds.monitoring_interval is 0 in the spec"},
    ]
    only_tls = database("name: demo\nrds: {force_ssl: false}\n")
    assert [s["id"] for s in only_tls["Metadata"]["checkov"]["skip"]] == ["CKV2_AWS_69"]


RESTORED = "name: demo\nrds: {restore_from_snapshot: demo-rdsstack-database-1a2b3c}\n"


def test_a_restore_names_the_snapshot_and_leaves_out_what_the_snapshot_brings(tmp_path):
    props = database(RESTORED)["Properties"]
    assert props["DBSnapshotIdentifier"] == "demo-rdsstack-database-1a2b3c"
    # CloudFormation: with DBSnapshotIdentifier, don't specify DBName, KmsKeyId, MasterUsername.
    for barred in ("DBName", "KmsKeyId", "MasterUsername", "MasterUserPassword"):
        assert barred not in props
    # The rest is the platform's, as for a new database; the snapshot is encrypted.
    fresh = database()["Properties"]
    assert {k: v for k, v in fresh.items() if k not in rds.NOT_WITH_A_SNAPSHOT} == {
        k: v for k, v in props.items() if k != "DBSnapshotIdentifier"
    }
    assert props["StorageEncrypted"] is True
    spec = spec_from(RESTORED)
    build(spec, tmp_path / "out", lint=False)
    assert lint_templates(tmp_path / "out", ["rds.yaml"], spec.region) == []


def test_without_a_snapshot_the_database_is_created_empty_as_before():
    props = database()["Properties"]
    assert "DBSnapshotIdentifier" not in props
    assert props["DBName"] == "litellm"
    assert props["MasterUsername"] == "litellm"
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["DatabaseKey", "Arn"]}
