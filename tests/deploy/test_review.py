"""The review: change sets read into tables, data at risk and access broadened called out."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from litellm_cfn.deploy.changesets import ChangeSet
from litellm_cfn.deploy.flow import refuse_unapproved
from litellm_cfn.deploy.review import Review, render_json, render_text, stack_changes
from tests.deploy.test_deploy_stubbed import stubbed_target

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


# A PostgreSQL major upgrade (17 -> 18), as DescribeChangeSet shows it: the parameter group's
# Family forces its replacement, and the instance's DBParameterGroupName follows it through the
# Ref (ResourceReference, evaluated Dynamic), which makes the instance a Conditional replacement.
def detail(name, recreation, source="DirectModification", entity=None, evaluation="Static"):
    change = {
        "Target": {"Attribute": "Properties", "Name": name, "RequiresRecreation": recreation},
        "Evaluation": evaluation,
        "ChangeSource": source,
    }
    return change | ({"CausingEntity": entity} if entity else {})


def database_change(replacement="Conditional", *details):
    return {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Database",
            "PhysicalResourceId": "litellm-prod-postgres",
            "ResourceType": "AWS::RDS::DBInstance",
            "Replacement": replacement,
            "Scope": ["Properties"],
            "Details": list(details),
        },
    }


BY_REFERENCE = detail(
    "DBParameterGroupName",
    "Conditionally",
    "ResourceReference",
    "DatabaseParameterGroup",
    "Dynamic",
)
ENGINE_VERSION = detail("EngineVersion", "Conditionally")
GROUP = "AWS::RDS::DBParameterGroup"
REPLACED_GROUP = [
    resource_change("Modify", "DatabaseParameterGroup", GROUP, "True", [("Family", "Always")])
]
SWAPPED_GROUP = [
    resource_change("Add", "DatabaseParameterGroup18", GROUP),
    resource_change("Remove", "DatabaseParameterGroup", GROUP),
]


def rds_review(*changes) -> Review:
    rds, _ = stack_changes("litellm-prod/RdsStack", {"ChangeSetId": NESTED_RDS, "Changes": changes})
    return Review((rds,))


@pytest.mark.parametrize("group", [REPLACED_GROUP, SWAPPED_GROUP], ids=["replaced", "swapped"])
def test_a_major_engine_upgrade_is_downtime_not_data_at_risk(group):
    current = rds_review(*group, database_change("Conditional", ENGINE_VERSION, BY_REFERENCE))
    database = current.changes[-1]
    assert database.recreation == (
        ("DBParameterGroupName", "Conditionally"),
        ("EngineVersion", "Conditionally"),
    )
    assert database.upgrades_engine
    assert current.data_at_risk == []
    assert current.unapproved_risks([]) == []
    assert [c.logical_id for c in current.downtime] == ["Database"]
    text = render_text(current)
    assert text.startswith("DOWNTIME (no data lost):\n")
    assert (
        "  Modify litellm-prod/RdsStack/Database (AWS::RDS::DBInstance) because of "
        "DBParameterGroupName, EngineVersion: a database engine upgrade: downtime while RDS "
        "upgrades in place; take a snapshot first (RDS takes one before a major upgrade too); "
        "the stack policy still denies replacing it\n" in text
    )
    document = json.loads(render_json(current))
    assert (document["data_at_risk"], document["downtime"]) == (
        [],
        ["litellm-prod/RdsStack/Database"],
    )


def test_deploy_does_not_refuse_an_engine_upgrade():
    client, target = stubbed_target()
    upgrade = rds_review(
        *REPLACED_GROUP,
        database_change(
            "Conditional",
            ENGINE_VERSION,
            detail("AllowMajorVersionUpgrade", "Never"),
            BY_REFERENCE,
        ),
    )
    with Stubber(client) as stubber:  # any AWS call (abandoning the change set) would fail
        refuse_unapproved(target, upgrade, ChangeSet("cs", created=True), ())
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "details",
    [
        (ENGINE_VERSION, detail("DBInstanceIdentifier", "Conditionally")),
        (BY_REFERENCE, detail("StorageEncrypted", "Conditionally")),
        (detail("EngineVersion", "Always", evaluation="Dynamic"), BY_REFERENCE),
        (),
    ],
    ids=["identifier", "encryption", "engine-version-always", "no-cause-given"],
)
def test_a_conditional_replacement_for_anything_else_stays_data_at_risk(details):
    current = rds_review(*REPLACED_GROUP, database_change("Conditional", *details))
    assert [c.logical_id for c in current.data_at_risk] == ["Database"]
    assert current.downtime == []


def test_a_certain_replacement_is_data_at_risk_even_for_the_engine_version():
    current = rds_review(database_change("True", ENGINE_VERSION, BY_REFERENCE))
    assert [c.logical_id for c in current.data_at_risk] == ["Database"]
    assert current.downtime == []


def test_a_cause_reached_twice_keeps_its_strongest_recreation():
    direct = detail("DBParameterGroupName", "Always")
    current = rds_review(database_change("Conditional", BY_REFERENCE, direct))
    assert current.changes[0].recreation == (("DBParameterGroupName", "Always"),)
    assert [c.logical_id for c in current.data_at_risk] == ["Database"]


def test_downtime_of_the_cache_and_the_database_gives_each_its_reason():
    cache, _ = stack_changes("litellm-prod/CacheStack", CACHE)
    rds = rds_review(database_change("Conditional", ENGINE_VERSION)).stacks[0]
    text = render_text(Review((cache, rds)))
    assert text.startswith("DOWNTIME (no data lost):\n")
    assert "because of KmsKeyId: LiteLLM's shared state restarts empty\n" in text
    assert "because of EngineVersion: a database engine upgrade: " in text
