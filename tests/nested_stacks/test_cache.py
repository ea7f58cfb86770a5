"""The cache stack: a private, TLS-only, encrypted, authenticated ElastiCache replication group."""

from __future__ import annotations

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from nested_stacks import cache
from tests.conftest import spec_from


def template_of(text: str = "name: demo\n") -> dict:
    return cache.build(spec_from(text)).to_dict()


def group(text: str = "name: demo\n") -> dict:
    return template_of(text)["Resources"]["CacheReplicationGroup"]


def test_the_default_cache_is_valkey_multi_az_with_a_replica_and_automatic_failover():
    props = group()["Properties"]
    assert (props["Engine"], props["EngineVersion"]) == ("valkey", "9.1")
    assert props["CacheNodeType"] == "cache.m7g.large"
    assert props["NumCacheClusters"] == 2
    assert props["MultiAZEnabled"] is True
    assert props["AutomaticFailoverEnabled"] is True
    assert props["AutoMinorVersionUpgrade"] is True
    assert "NumNodeGroups" not in props  # cluster mode off: one primary endpoint for LiteLLM


def test_a_dev_cache_is_one_node_without_failover():
    props = group(
        "name: demo\nenvironment: dev\ncache: {engine: redis, node_type: cache.t4g.small}\n"
    )["Properties"]
    assert (props["Engine"], props["EngineVersion"]) == ("redis", "7.1")
    assert props["CacheNodeType"] == "cache.t4g.small"
    assert props["NumCacheClusters"] == 1
    assert props["MultiAZEnabled"] is False
    assert props["AutomaticFailoverEnabled"] is False


def test_tls_is_required_and_data_at_rest_is_encrypted_with_a_rotating_customer_key():
    template = template_of()
    props = template["Resources"]["CacheReplicationGroup"]["Properties"]
    assert props["TransitEncryptionEnabled"] is True
    assert props["TransitEncryptionMode"] == "required"
    assert props["AtRestEncryptionEnabled"] is True
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["CacheKey", "Arn"]}
    key = template["Resources"]["CacheKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_the_auth_token_is_the_generated_redis_password_resolved_at_deploy_time():
    template = template_of()
    props = template["Resources"]["CacheReplicationGroup"]["Properties"]
    assert props["AuthToken"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${RedisPasswordSecretArn}:SecretString}}"
    }
    assert template["Parameters"]["RedisPasswordSecretArn"]["Type"] == "String"
    assert "NoEcho" not in template["Parameters"]["RedisPasswordSecretArn"]  # an ARN, no secret


def test_the_secrets_stack_produces_the_secret_the_cache_resolves():
    root = compile_platform(spec_from("name: demo\n")).templates[ROOT_FILE].to_dict()
    parameters = root["Resources"]["CacheStack"]["Properties"]["Parameters"]
    assert parameters == {
        "VpcId": {"Fn::GetAtt": ["VpcStack", "Outputs.VpcId"]},
        "DatabaseSubnetIds": {"Fn::GetAtt": ["VpcStack", "Outputs.DatabaseSubnetIds"]},
        "RedisPasswordSecretArn": {
            "Fn::GetAtt": ["SecretsStack", "Outputs.RedisPasswordSecretArn"]
        },
    }


def test_the_cache_lives_in_the_database_subnets_and_admits_only_the_private_subnets():
    template = template_of()
    resources = template["Resources"]
    assert resources["CacheSubnetGroup"]["Properties"]["SubnetIds"] == {"Ref": "DatabaseSubnetIds"}
    group_props = resources["CacheReplicationGroup"]["Properties"]
    assert group_props["CacheSubnetGroupName"] == {"Ref": "CacheSubnetGroup"}
    assert group_props["SecurityGroupIds"] == [{"Ref": "CacheSecurityGroup"}]
    security_group = resources["CacheSecurityGroup"]["Properties"]
    private = [str(s.cidr) for s in spec_from("name: demo\n").vpc.subnet_plan.tier("private")]
    ingress = security_group["SecurityGroupIngress"]
    assert [rule["CidrIp"] for rule in ingress] == private
    assert {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in ingress} == {("tcp", 6379, 6379)}
    assert security_group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "-1",
            "CidrIp": "127.0.0.1/32",
            "Description": "No egress: the cache starts no connections",
        }
    ]


def test_slow_and_engine_logs_go_to_encrypted_retained_log_groups_made_first():
    template = template_of("name: demo\ncache: {log_retention_days: 90}\n")
    resources = template["Resources"]
    deliveries = resources["CacheReplicationGroup"]["Properties"]["LogDeliveryConfigurations"]
    groups = {
        d["LogType"]: d["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]
        for d in deliveries
    }
    assert groups == {
        "slow-log": "/aws/elasticache/demo-prod/slow-log",
        "engine-log": "/aws/elasticache/demo-prod/engine-log",
    }
    assert {d["DestinationType"] for d in deliveries} == {"cloudwatch-logs"}
    for logical_id in ("CacheSlowLogLogGroup", "CacheEngineLogLogGroup"):
        log_group = resources[logical_id]
        assert log_group["DeletionPolicy"] == "Retain"
        assert log_group["Properties"]["RetentionInDays"] == 90
        assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["CacheLogsKey", "Arn"]}
        assert logical_id in resources["CacheReplicationGroup"]["DependsOn"]
    assert log_group["Properties"]["LogGroupName"] in groups.values()


def test_snapshots_are_kept_daily_and_taken_on_delete_and_replacement():
    resource = group()
    assert resource["Properties"]["SnapshotRetentionLimit"] == 7
    assert resource["DeletionPolicy"] == "Snapshot"
    assert resource["UpdateReplacePolicy"] == "Snapshot"
    off = group("name: demo\ncache: {snapshot_retention_days: 0}\n")
    assert off["Properties"]["SnapshotRetentionLimit"] == 0
    assert off["Metadata"]["checkov"]["skip"][0]["id"] == "CKV_AWS_134"


def test_outputs_give_the_primary_endpoint_port_and_group_id():
    outputs = template_of()["Outputs"]
    assert outputs["CacheEndpoint"]["Value"] == {
        "Fn::GetAtt": ["CacheReplicationGroup", "PrimaryEndPoint.Address"]
    }
    assert outputs["CachePort"]["Value"] == {
        "Fn::GetAtt": ["CacheReplicationGroup", "PrimaryEndPoint.Port"]
    }
    assert outputs["CacheReplicationGroupId"]["Value"] == {"Ref": "CacheReplicationGroup"}


def test_a_spec_can_turn_the_cache_off():
    compiled = compile_platform(spec_from("name: demo\ncache: {enabled: false}\n"))
    assert "cache.yaml" not in compiled.templates
    root = compiled.templates[ROOT_FILE].to_dict()
    assert "CacheStack" not in root["Resources"]
    assert "CacheEndpoint" not in root["Outputs"]
