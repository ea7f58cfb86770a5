"""PlatformSpec: the seed's defaults, good specs accepted, every bad one refused with its place."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import ValidationError

from litellm_cfn.spec import PlatformSpec, load_spec
from litellm_cfn.spec.iam import DEFAULT_BEDROCK_MODEL_ARNS
from litellm_cfn.spec.schema import json_schema
from litellm_cfn.spec.source import load
from tests.conftest import GOOD_FIXTURES, REPO, SPECS, assert_located, problems_of, spec_from


def test_a_name_alone_is_a_production_spec_with_the_seeds_defaults():
    spec = spec_from("name: demo\n")
    assert (spec.environment, spec.region) == ("prod", "us-east-1")
    assert spec.stack_name == "demo-prod"
    assert spec.cluster_name == "demo-eks"
    assert spec.eks.cluster_version == "1.36"
    assert spec.eks.support_type == "STANDARD"
    assert (spec.vpc.cidr, spec.vpc.az_count, spec.vpc.single_nat_gateway) == (
        "10.0.0.0/16",
        3,
        False,
    )
    assert (spec.vpc.flow_logs.enabled, spec.vpc.flow_logs.retention_days) == (True, 30)
    group = spec.eks.node_groups["default"]
    assert group.instance_types == ("m6i.large", "m5.large")
    assert (group.capacity_type, group.disk_size) == ("ON_DEMAND", 100)
    assert (group.min_size, group.desired_size, group.max_size) == (2, 3, 6)
    assert (spec.rds.instance_class, spec.rds.multi_az) == ("db.t3.medium", True)
    assert spec.iam.bedrock_model_arns == DEFAULT_BEDROCK_MODEL_ARNS
    assert spec.bastion.enabled is False


def test_the_example_production_spec_spells_out_exactly_the_defaults():
    assert load_spec(REPO / "specs" / "platform.yaml").spec == spec_from("name: litellm\n")


@pytest.mark.parametrize("path", SPECS + GOOD_FIXTURES, ids=lambda p: p.name)
def test_good_specs_load(path):
    load_spec(path)


def test_specs_are_immutable():
    spec = spec_from("name: demo\n")
    with pytest.raises(ValidationError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        spec.vpc.az_count = 4  # type: ignore[misc]


def test_an_explicit_cluster_name_wins():
    assert spec_from("name: demo\neks: {cluster_name: custom}\n").cluster_name == "custom"


BAD = [
    ("name: Demo\n", "platform.yaml:1:1: name: 'Demo' is not a platform name: 2 to 31 lowercase"),
    ("environment: prod\n", "platform.yaml:1:1: name: required key is missing"),
    ("name: demo\nregion: mars-1\n", "platform.yaml:2:1: region: 'mars-1' is not an AWS region"),
    (
        "name: demo\ntags: {aws:owner: x}\n",
        "platform.yaml:2:8: tags.aws:owner: key: tag keys starting with 'aws:' are reserved",
    ),
    (
        "name: demo\nvpc:\n  cidr: 10.0.0.1/16\n",
        "platform.yaml:3:3: vpc.cidr: '10.0.0.1/16' has host bits set; did you mean 10.0.0.0/16?",
    ),
    (
        "name: demo\nvpc:\n  cidr: 10.0.0.0/12\n",
        "platform.yaml:3:3: vpc.cidr: /12 is outside the VPC sizes AWS allows (/16 to /28)",
    ),
    (
        "name: demo\nvpc:\n  cidr: banana\n",
        "platform.yaml:3:3: vpc.cidr: 'banana' is not an IPv4 CIDR block such as 10.0.0.0/16",
    ),
    (
        'name: demo\nvpc:\n  az_count: "3"\n',
        "platform.yaml:3:3: vpc.az_count: must be an integer, got a string ('3')",
    ),
    (
        "name: demo\nvpc:\n  az_count: 7\n",
        "platform.yaml:3:3: vpc.az_count: must be <= 6, got 7",
    ),
    (
        "name: demo\nvpc:\n  az_count: true\n",
        "platform.yaml:3:3: vpc.az_count: must be an integer, got true/false",
    ),
    (
        "name: demo\nvpc:\n  availabilty_zones: []\n",
        "platform.yaml:3:3: vpc.availabilty_zones: unknown key; did you mean 'availability_zones'?",
    ),
    (
        "name: demo\nvpc:\n  zzz: 1\n",
        "platform.yaml:3:3: vpc.zzz: unknown key; expected one of: cidr, az_count,",
    ),
    (
        "name: demo\nvpc:\n  availability_zones: [us-east-1a]\n",
        "platform.yaml:3:3: vpc.availability_zones: lists 1 zone but az_count is 3",
    ),
    (
        "name: demo\nvpc:\n  az_count: 2\n  availability_zones: [us-east-1a, us-east-1a]\n",
        "platform.yaml:4:36: vpc.availability_zones[1]: 'us-east-1a' is listed twice",
    ),
    (
        "name: demo\nvpc:\n  az_count: 2\n  availability_zones: [eu-west-1a, eu-west-1b]\n",
        "platform.yaml:4:3: vpc.availability_zones: 'eu-west-1a', 'eu-west-1b' not in region "
        "'us-east-1'",
    ),
    (
        "name: demo\nvpc:\n  flow_logs: {retention_days: 31}\n",
        "platform.yaml:3:15: vpc.flow_logs.retention_days: 31 is not a retention CloudWatch Logs "
        "accepts; use one",
    ),
    (
        "name: demo\nvpc:\n  private_subnet_newbits: 1\n",
        "platform.yaml:2:1: vpc.cidr: the subnets need 143,360 addresses but 10.0.0.0/16 has "
        "65,536: newbits are relative to the VPC prefix, so raise a *_subnet_newbits or lower "
        "az_count",
    ),
    (
        "name: demo\nvpc:\n  cidr: 10.0.0.0/24\n  public_subnet_newbits: 5\n",
        "platform.yaml:4:3: vpc.public_subnet_newbits: makes /29 subnets from a /24 VPC; "
        "AWS subnets are /28 or larger",
    ),
    (
        "name: demo\neks:\n  cluster_version: 1.30\n",
        'platform.yaml:3:3: eks.cluster_version: must be a quoted string such as "1.36"',
    ),
    (
        'name: demo\neks:\n  cluster_version: "1.3"\n',
        "platform.yaml:3:3: eks.cluster_version: '1.3' is not a Kubernetes minor version",
    ),
    (
        "name: demo\neks:\n  node_groups: {}\n",
        "platform.yaml:3:3: eks.node_groups: must not be empty",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    default:\n      min_size: 8\n",
        "platform.yaml:5:7: eks.node_groups.default.min_size: must be <= max_size (6)",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    default:\n      desired_size: 1\n",
        "platform.yaml:5:7: eks.node_groups.default.desired_size: must be between min_size (2) "
        "and max_size (6)",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    default:\n      capacity_type: SPOTTY\n",
        "platform.yaml:5:7: eks.node_groups.default.capacity_type: must be one of 'ON_DEMAND' or "
        "'SPOT', got 'SPOTTY'",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    default:\n      instance_types: [bogus]\n",
        "platform.yaml:5:24: eks.node_groups.default.instance_types[0]: 'bogus' does not look "
        "like an EC2 instance",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    default:\n      instance_types: []\n",
        "platform.yaml:5:7: eks.node_groups.default.instance_types: must not be empty",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    -bad:\n      min_size: 1\n",
        "platform.yaml:4:5: eks.node_groups.-bad: key: '-bad' is not a node group name",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    d:\n      taints: [{key: a, effect: NoSchedule}]\n",
        "platform.yaml:5:25: eks.node_groups.d.taints[0].effect: must be one of 'NO_SCHEDULE', "
        "'NO_EXECUTE' or 'PREFER_NO_SCHEDULE', got 'NoSchedule'",
    ),
    (
        "name: demo\neks:\n  node_groups:\n    d:\n      labels: {'bad key!': x}\n",
        "platform.yaml:5:16: eks.node_groups.d.labels['bad key!']: key: 'bad key!' is not a "
        "Kubernetes label key",
    ),
    (
        "name: demo\nrds: {instance_class: t3.medium}\n",
        "platform.yaml:2:7: rds.instance_class: 't3.medium' is not an RDS instance class",
    ),
    (
        "name: demo\nrds: {multi_az: yes}\n",
        "platform.yaml:2:7: rds.multi_az: must be true or false, got a string ('yes')",
    ),
    (
        "name: demo\nbastion: {enable: true}\n",
        "platform.yaml:2:11: bastion.enable: unknown key; did you mean 'enabled'?",
    ),
    ("- name: demo\n", "platform.yaml:1:1: the spec must be a mapping of keys such as `name:`"),
    ("name: demo\nvpc: [1]\n", "platform.yaml:2:1: vpc: must be a mapping, got a list"),
    ("name: demo\nnull: 1\n", "platform.yaml:2:1: [None]: key: must be a string, got null"),
    (
        "name: demo\nvpc:\n  null: 1\n",
        "platform.yaml:3:3: vpc[None]: key: must be a string, got null",
    ),
    (
        "name: demo\ncatalog: {tags: {'aws:x': y}}\n",
        "platform.yaml:2:18: catalog.tags.aws:x: key: tag keys starting with 'aws:' are reserved "
        "for AWS",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_specs_are_refused_with_a_located_message(text, expected):
    assert_located(text, expected)


def test_every_mistake_is_reported_at_once_in_file_order():
    problems = problems_of(
        """\
        name: Demo
        environment: PROD
        vpc:
          az_count: 9
          cidr: 10.0.0.1/16
        rds: {instance_class: nope}
        eks:
          node_groups:
            default: {min_size: 9}
        """
    )
    assert [p.split(": ")[1] for p in problems] == [
        "name",
        "environment",
        "vpc.az_count",
        "vpc.cidr",
        "rds.instance_class",
        "eks.node_groups.default.min_size",
    ]


def test_huge_input_values_are_not_echoed_in_full():
    problems = problems_of(f"name: demo\nregion: {'x' * 100_000}\n")
    assert len(problems[0]) < 200


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    "text",
    [
        f"region: eu-{HUGE}-1\n"
        "vpc: {az_count: 2, availability_zones: [us-east-1a, us-east-1b]}\n",
        f"vpc: {{az_count: 2, availability_zones: [eu-{HUGE}-1a, eu-{HUGE}-1b]}}\n",
        f"eks:\n  node_groups:\n    d: {{instance_types: [m6g.large, m5{HUGE}.large]}}\n",
        f"eks:\n  node_groups:\n    d:\n      instance_types: [m6g{HUGE}.large]\n"
        "      ami_type: AL2023_x86_64_STANDARD\n",
        f"rds: {{monitoring_interval: {'9' * 4000}}}\n",
        f"bastion: {{instance_type: m{'5' * 1_000_000}}}\n",  # once a quadratic backtrack
        "iam: {bedrock_model_arns: "
        f"[arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{HUGE}]}}\n",
    ],
    ids=["region", "zones", "instance-types", "ami-type", "one-of", "instance-type", "profile"],
)
def test_no_message_echoes_a_huge_value_in_full(text):
    (problem,) = problems_of("name: demo\n" + text)
    assert len(problem) < 400, problem[:400]


def test_the_committed_schema_is_the_generated_one():
    committed = json.loads((REPO / "specs" / "platform.schema.json").read_text())
    assert committed == json_schema()


@pytest.mark.parametrize("path", SPECS + GOOD_FIXTURES, ids=lambda p: p.name)
def test_good_specs_satisfy_the_json_schema(path):
    jsonschema.validate(load(path)[0], json_schema())


def test_the_json_schema_refuses_what_the_loader_refuses():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "demo", "vpc": {"az_count": 9}}, json_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "demo", "unknown": 1}, json_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "Not A Name"}, json_schema())


def test_examples_reference_the_schema_for_editors():
    for path in SPECS:
        assert path.read_text().startswith("# yaml-language-server: $schema=./platform.schema.json")


def test_platform_spec_round_trips_through_its_own_dump():
    spec = spec_from("name: demo\ntags: {team: a}\n")
    assert PlatformSpec.model_validate(spec.model_dump()) == spec
