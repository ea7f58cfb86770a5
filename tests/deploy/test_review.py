"""The review: change sets read into tables, data at risk and access broadened called out."""

from __future__ import annotations

import json

from litellm_cfn.deploy.review import Review, render_json, render_text, stack_changes

NESTED_RDS = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/litellm-cfn-abc/rds"


def resource_change(action, logical_id, kind, replacement="False", details=(), change_set=None):
    change = {
        "Action": action,
        "LogicalResourceId": logical_id,
        "ResourceType": kind,
        "Replacement": replacement,
        "Scope": ["Properties"] if details else [],
        "Details": [
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": name,
                    "RequiresRecreation": recreation,
                },
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
            for name, recreation in details
        ],
    }
    if change_set:
        change["ChangeSetId"] = change_set
    return {"Type": "Resource", "ResourceChange": change}


ROOT = {
    "ChangeSetId": "root-id",
    "Changes": [
        resource_change(
            "Modify", "RdsStack", "AWS::CloudFormation::Stack", "False", change_set=NESTED_RDS
        ),
        resource_change("Remove", "BastionStack", "AWS::CloudFormation::Stack"),
    ],
}
RDS = {
    "ChangeSetId": NESTED_RDS,
    "Changes": [
        resource_change(
            "Modify",
            "Database",
            "AWS::RDS::DBInstance",
            "True",
            [("DBInstanceIdentifier", "Always"), ("AllocatedStorage", "Never")],
        ),
        resource_change("Add", "DatabaseMonitoringRole", "AWS::IAM::Role"),
        resource_change("Modify", "DatabaseKey", "AWS::KMS::Key", details=[("KeyPolicy", "Never")]),
        resource_change(
            "Modify", "DatabaseLogsKey", "AWS::KMS::Key", details=[("Description", "Never")]
        ),
        resource_change(
            "Modify", "DatabaseSecurityGroup", "AWS::EC2::SecurityGroup", "Conditional"
        ),
    ],
}


def review() -> Review:
    root, nested = stack_changes("litellm-prod", ROOT)
    assert nested == [("RdsStack", NESTED_RDS)]
    rds, _ = stack_changes("litellm-prod/RdsStack", RDS)
    return Review((root, rds))


def test_changes_are_read_with_the_properties_that_force_replacement():
    database = next(c for c in review().changes if c.logical_id == "Database")
    assert database.replacement == "True"
    assert database.causes == ("DBInstanceIdentifier",)
    assert database.properties == ("AllocatedStorage", "DBInstanceIdentifier")
    assert database.qualified_id == "litellm-prod/RdsStack/Database"


def test_replacing_the_database_and_removing_a_nested_stack_put_data_at_risk():
    assert [c.logical_id for c in review().data_at_risk] == ["BastionStack", "Database"]


def test_roles_security_groups_and_key_policies_broaden_access_but_a_description_does_not():
    assert [c.logical_id for c in review().access_broadened] == [
        "DatabaseMonitoringRole",
        "DatabaseKey",
        "DatabaseSecurityGroup",
    ]


def test_allow_replace_approves_by_logical_or_qualified_id():
    current = review()
    assert [c.logical_id for c in current.unapproved_risks(["Database"])] == ["BastionStack"]
    assert current.unapproved_risks(["litellm-prod/RdsStack/Database", "BastionStack"]) == []
    assert len(current.unapproved_risks(["litellm-prod/EksStack/Database"])) == 2


def test_allow_replace_approves_by_nested_stack_and_logical_id_as_the_readme_says():
    current = review()
    assert [c.logical_id for c in current.unapproved_risks(["RdsStack/Database"])] == [
        "BastionStack"
    ]
    assert current.unapproved_risks(["RdsStack/Database", "litellm-prod/BastionStack"]) == []
    assert len(current.unapproved_risks(["EksStack/Database", "RdsStack"])) == 2


def test_the_text_review_calls_out_risks_above_one_table_per_stack():
    text = render_text(review())
    assert text.index("DATA AT RISK") < text.index("ACCESS BROADENED") < text.index("litellm-prod:")
    assert (
        "  Modify litellm-prod/RdsStack/Database (AWS::RDS::DBInstance) "
        "because of DBInstanceIdentifier" in text
    )
    assert "litellm-prod/RdsStack:" in text
    assert "  Modify  Database                AWS::RDS::DBInstance" in text
    assert text.splitlines()[-1] == "7 changes in 2 stacks: 1 to add, 5 to modify, 1 to remove"
    assert "\033[" not in text
    assert "\033[1;31mDATA AT RISK" in render_text(review(), colour=True)


def test_the_json_review_is_for_machines():
    document = json.loads(render_json(review()))
    assert document["data_at_risk"] == [
        "litellm-prod/BastionStack",
        "litellm-prod/RdsStack/Database",
    ]
    assert document["counts"] == {"Add": 1, "Modify": 5, "Remove": 1}
    assert document["stacks"][1]["changes"][0]["causes"] == ["DBInstanceIdentifier"]


CACHE = {
    "ChangeSetId": "cache-id",
    "Changes": [
        resource_change(
            "Modify",
            "CacheReplicationGroup",
            "AWS::ElastiCache::ReplicationGroup",
            "True",
            [("KmsKeyId", "Always")],
        ),
        resource_change(
            "Modify",
            "CacheSecurityGroup",
            "AWS::EC2::SecurityGroup",
            details=[("GroupDescription", "Always")],
            replacement="True",
        ),
    ],
}


def test_replacing_the_cache_is_downtime_called_out_but_not_data_at_risk():
    cache, _ = stack_changes("litellm-prod/CacheStack", CACHE)
    current = Review((cache,))
    assert [c.logical_id for c in current.downtime] == ["CacheReplicationGroup"]
    assert current.data_at_risk == []
    assert current.unapproved_risks([]) == []
    text = render_text(current)
    assert text.startswith("DOWNTIME (no data lost; LiteLLM's shared state restarts empty):\n")
    assert (
        "  Modify litellm-prod/CacheStack/CacheReplicationGroup "
        "(AWS::ElastiCache::ReplicationGroup) because of KmsKeyId" in text
    )
    assert json.loads(render_json(current))["downtime"] == [
        "litellm-prod/CacheStack/CacheReplicationGroup"
    ]


def test_modifying_the_cache_in_place_is_no_downtime():
    in_place = {
        "Changes": [
            resource_change(
                "Modify",
                "CacheReplicationGroup",
                "AWS::ElastiCache::ReplicationGroup",
                details=[("SnapshotRetentionLimit", "Never")],
            )
        ]
    }
    cache, _ = stack_changes("litellm-prod/CacheStack", in_place)
    assert Review((cache,)).downtime == []
