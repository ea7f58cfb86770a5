"""The review predicted from two versions of the templates, on the real provider schemas."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.review import Change, Review
from litellm_cfn.fleet import replacement
from litellm_cfn.fleet.predict import Templates, predict
from litellm_cfn.spec import source, validate_data
from tests.conftest import REPO

DB = "AWS::RDS::DBInstance"


def database(**properties: Any) -> dict[str, Any]:
    """A DB instance resource, these properties over a plain PostgreSQL one."""
    plain = {
        "DBInstanceIdentifier": "demo-postgres",
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.medium",
        "MultiAZ": True,
        "Tags": [{"Key": "team", "Value": "a"}],
    }
    return {"Type": DB, "Properties": plain | properties}


def subnet_group(name: str = "demo-db") -> dict[str, Any]:
    """A DB subnet group named `name` (its name is create-only)."""
    return {
        "Type": "AWS::RDS::DBSubnetGroup",
        "Properties": {
            "DBSubnetGroupName": name,
            "DBSubnetGroupDescription": "demo",
            "SubnetIds": ["subnet-1", "subnet-2"],
        },
    }


def key(description: str = "demo") -> dict[str, Any]:
    """A KMS key (nothing about it is create-only)."""
    return {"Type": "AWS::KMS::Key", "Properties": {"Description": description}}


def resources(**named: dict[str, Any]) -> dict[str, Any]:
    """A template of these resources."""
    return {"Resources": named}


def review_of(old: dict[str, Any] | None, new: dict[str, Any]) -> Review:
    """The predicted review of a stack without nested stacks."""
    return predict("demo", Templates(old, {}) if old is not None else None, Templates(new, {}))


def only(review: Review, logical_id: str) -> Change:
    """The one change of the resource `logical_id`."""
    (change,) = [c for c in review.changes if c.logical_id == logical_id]
    return change


def test_a_new_database_identifier_replaces_it_and_loses_its_data():
    review = review_of(
        resources(Database=database()), resources(Database=database(DBInstanceIdentifier="b"))
    )
    change = only(review, "Database")
    assert (change.action, change.replacement) == ("Modify", "True")
    assert change.causes == ("DBInstanceIdentifier",)
    assert change.recreation == (("DBInstanceIdentifier", "Always"),)
    assert change.properties == ("DBInstanceIdentifier",)
    assert change.loses_data
    assert review.data_at_risk == [change]


def test_new_tags_modify_in_place_and_risk_nothing():
    tags = [{"Key": "team", "Value": "b"}]
    review = review_of(resources(Database=database()), resources(Database=database(Tags=tags)))
    change = only(review, "Database")
    assert (change.action, change.replacement, change.properties) == ("Modify", "False", ("Tags",))
    assert change.causes == change.recreation == ()
    assert review.data_at_risk == []


def test_a_conditionally_create_only_property_may_replace():
    review = review_of(resources(Database=database()), resources(Database=database(MultiAZ=False)))
    change = only(review, "Database")
    assert change.replacement == "Conditional"
    assert change.recreation == (("MultiAZ", "Conditionally"),)
    assert change.loses_data


def test_a_ref_to_a_replaced_resource_may_replace_what_it_feeds():
    uses_group = database(DBSubnetGroupName={"Ref": "SubnetGroup"})
    review = review_of(
        resources(SubnetGroup=subnet_group(), Database=uses_group),
        resources(SubnetGroup=subnet_group("renamed"), Database=uses_group),
    )
    assert only(review, "SubnetGroup").replacement == "True"
    change = only(review, "Database")
    assert (change.action, change.replacement) == ("Modify", "Conditional")
    assert change.recreation == (("DBSubnetGroupName", "Conditionally"),)
    assert change.properties == ("DBSubnetGroupName",)


def test_a_sub_name_of_a_replaced_resource_flows_like_a_ref_and_pseudo_parameters_never_do():
    named = database(DBSubnetGroupName={"Fn::Sub": "${SubnetGroup}"})
    pseudo = database(DBInstanceIdentifier={"Fn::Sub": "${AWS::Region}-${!SubnetGroup}"})
    old = resources(SubnetGroup=subnet_group(), Named=named, Pseudo=pseudo)
    new = resources(SubnetGroup=subnet_group("renamed"), Named=named, Pseudo=pseudo)
    review = review_of(old, new)
    assert only(review, "Named").replacement == "Conditional"
    assert [c.logical_id for c in review.changes] == ["SubnetGroup", "Named"]


def test_getatt_arn_of_a_resource_modified_in_place_changes_nothing():
    uses_key = database(KmsKeyId={"Fn::GetAtt": ["Key", "Arn"]})
    review = review_of(
        resources(Key=key(), Database=uses_key), resources(Key=key("new"), Database=uses_key)
    )
    assert [(c.logical_id, c.replacement) for c in review.changes] == [("Key", "False")]


def secret_named_by_endpoint() -> dict[str, Any]:
    """A secret whose create-only Name is the database's endpoint address."""
    address = {"Fn::GetAtt": ["Database", "Endpoint.Address"]}
    return {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": address}}


def test_getatt_of_another_attribute_of_a_resource_modified_in_place_may_change():
    old = resources(Database=database(), Secret=secret_named_by_endpoint())
    new = resources(Database=database(AllocatedStorage="50"), Secret=secret_named_by_endpoint())
    change = only(review_of(old, new), "Secret")
    assert (change.replacement, change.recreation) == ("Conditional", (("Name", "Conditionally"),))


def test_new_tags_change_no_attribute():
    tags = [{"Key": "team", "Value": "b"}]
    old = resources(Database=database(), Secret=secret_named_by_endpoint())
    new = resources(Database=database(Tags=tags), Secret=secret_named_by_endpoint())
    assert [c.logical_id for c in review_of(old, new).changes] == ["Database"]


def test_a_create_only_path_below_a_property_compares_at_its_depth():
    def cluster(**network: str) -> dict[str, Any]:
        config = {"IpFamily": "ipv4", "ElasticLoadBalancing": {"Enabled": False}} | network
        properties = {"Name": "demo", "RoleArn": "arn:role", "KubernetesNetworkConfig": config}
        return {"Type": "AWS::EKS::Cluster", "Properties": properties}

    in_place = review_of(
        resources(Cluster=cluster()), resources(Cluster=cluster(ElasticLoadBalancing={}))
    )
    assert only(in_place, "Cluster").replacement == "False"
    replaced = review_of(resources(Cluster=cluster()), resources(Cluster=cluster(IpFamily="ipv6")))
    assert only(replaced, "Cluster").recreation == (("KubernetesNetworkConfig", "Always"),)
    assert replacement.create_only("AWS::EKS::Cluster")[0] >= {"KubernetesNetworkConfig/IpFamily"}


def test_a_new_type_replaces_and_attributes_alone_modify_in_place():
    retained = database() | {"DeletionPolicy": "Retain"}
    review = review_of(
        resources(Database=database(), Other=key()),
        resources(Database=retained, Other={"Type": "AWS::SQS::Queue"}),
    )
    assert only(review, "Database").properties == ("DeletionPolicy",)
    assert only(review, "Database").replacement == "False"
    other = only(review, "Other")
    assert (other.resource_type, other.replacement, other.causes) == (
        "AWS::SQS::Queue",
        "True",
        ("Type",),
    )


def test_a_type_without_a_schema_may_be_replaced_by_any_change():
    def custom(size: int) -> dict[str, Any]:
        return {"Type": "Acme::Demo::Widget", "Properties": {"Size": size}}

    change = only(review_of(resources(T=custom(1)), resources(T=custom(2))), "T")
    assert (change.replacement, change.recreation) == ("Conditional", (("Size", "Conditionally"),))


def test_a_changed_condition_may_replace_what_it_feeds_and_modifies_what_it_guards():
    def template(environment: str) -> dict[str, Any]:
        name = {"Fn::If": ["IsProd", "prod-db", "other-db"]}
        return {
            "Conditions": {"IsProd": {"Fn::Equals": [environment, "prod"]}},
            "Resources": {
                "Database": database(DBInstanceIdentifier=name),
                "Key": key() | {"Condition": "IsProd"},
            },
        }

    review = review_of(template("prod"), template("staging"))
    assert only(review, "Database").replacement == "Conditional"
    assert only(review, "Key").properties == ("Condition",)
    assert review_of(template("prod"), template("prod")).changes == []


def test_added_and_removed_resources():
    review = review_of(resources(Database=database()), resources(Key=key()))
    assert [(c.action, c.logical_id, c.replacement) for c in review.changes] == [
        ("Add", "Key", "False"),
        ("Remove", "Database", "False"),
    ]
    assert [c.logical_id for c in review.data_at_risk] == ["Database"]


def nested_stack(url: str, **parameters: Any) -> dict[str, Any]:
    """A root's nested stack resource."""
    properties: dict[str, Any] = {"TemplateURL": url}
    if parameters:
        properties["Parameters"] = parameters
    return {"Type": "AWS::CloudFormation::Stack", "Properties": properties}


def two_stacks(group_name: str, url: str = "a.yaml") -> Templates:
    """Stack A makes a subnet group and outputs its name; stack B's database uses it."""
    group_output = {"GroupName": {"Value": {"Ref": "SubnetGroup"}}}
    a = {"Resources": {"SubnetGroup": subnet_group(group_name)}, "Outputs": group_output}
    b = {
        "Parameters": {"GroupName": {"Type": "String"}},
        "Resources": {"Database": database(DBSubnetGroupName={"Ref": "GroupName"})},
    }
    passed = {"Fn::GetAtt": ["AStack", "Outputs.GroupName"]}
    root = resources(AStack=nested_stack(url), BStack=nested_stack("b.yaml", GroupName=passed))
    return Templates(root, {"AStack": a, "BStack": b})


def test_a_nested_output_flows_through_the_root_into_another_nested_stack():
    review = predict("demo", two_stacks("one"), two_stacks("two"))
    assert [s.stack for s in review.stacks] == ["demo", "demo/AStack", "demo/BStack"]
    root = {c.logical_id: (c.replacement, c.properties) for c in review.stacks[0].changes}
    assert root == {"AStack": ("False", ("TemplateURL",)), "BStack": ("False", ("Parameters",))}
    change = only(review, "Database")
    assert (change.stack, change.replacement) == ("demo/BStack", "Conditional")
    assert change.recreation == (("DBSubnetGroupName", "Conditionally"),)


def test_a_nested_template_url_alone_changes_nothing_when_the_content_is_the_same():
    deployed = two_stacks("one", url="https://bucket.s3.amazonaws.com/abc123.yaml")
    review = predict("demo", deployed, two_stacks("one"))
    assert review.changes == []
    assert len(review.stacks) == 3


def test_added_and_removed_nested_stacks():
    old = two_stacks("one")
    new = Templates(
        resources(AStack=old.root["Resources"]["AStack"]), {"AStack": old.nested["AStack"]}
    )
    removed = predict("demo", old, new)
    assert [s.stack for s in removed.stacks] == ["demo", "demo/AStack", "demo/BStack"]
    assert [(c.stack, c.action, c.logical_id) for c in removed.changes] == [
        ("demo", "Remove", "BStack"),
        ("demo/BStack", "Remove", "Database"),
    ]
    assert only(removed, "BStack").loses_data
    added = predict("demo", new, old)
    assert [(c.stack, c.action, c.logical_id) for c in added.changes] == [
        ("demo", "Add", "BStack"),
        ("demo/BStack", "Add", "Database"),
    ]


def test_nothing_deployed_adds_everything():
    review = predict("demo", None, two_stacks("one"))
    assert {c.action for c in review.changes} == {"Add"}
    assert [c.logical_id for c in review.changes] == ["AStack", "BStack", "SubnetGroup", "Database"]
    assert review.data_at_risk == []


def test_identical_templates_change_nothing():
    templates = two_stacks("one")
    review = predict("demo", templates, copy.deepcopy(templates))
    assert review.changes == []
    assert [s.stack for s in review.stacks] == ["demo", "demo/AStack", "demo/BStack"]


def platform(**update: Any) -> Templates:
    """specs/platform.yaml, these top-level values over it, compiled."""
    data, where = source.load(REPO / "specs" / "platform.yaml")
    compiled = compile_platform(validate_data({**data, **update}, where))
    nested = {n.logical_id: n.template.to_dict() for n in compiled.nested}
    return Templates(compiled.root.to_dict(), nested)


@pytest.fixture(scope="module")
def prod() -> Templates:
    """The production platform as deployed."""
    return platform()


def test_the_platform_in_another_environment_replaces_its_database(prod):
    review = predict("litellm-prod", prod, platform(environment="staging"))
    change = only(review, "Database")
    assert (change.stack, change.replacement) == ("litellm-prod/RdsStack", "True")
    assert "DBInstanceIdentifier" in change.causes
    assert change in review.data_at_risk


def test_the_platform_with_new_tags_replaces_nothing(prod):
    review = predict("litellm-prod", prod, platform(tags={"team": "ml-platform"}))
    assert review.changes
    assert {c.replacement for c in review.changes} == {"False"}
    assert review.data_at_risk == []


def test_the_platform_with_a_new_major_engine_version_upgrades_the_database_in_place(prod):
    rds = {"engine_version": "18.1"}
    change = only(predict("litellm-prod", prod, platform(rds=rds)), "Database")
    assert change.replacement == "Conditional"
    assert change.upgrades_engine and not change.loses_data


def test_the_same_platform_changes_nothing(prod):
    review = predict("litellm-prod", prod, platform())
    assert review.changes == []
    assert [s.stack for s in review.stacks] == ["litellm-prod"] + [
        f"litellm-prod/{name}" for name in prod.nested
    ]
