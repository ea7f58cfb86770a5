"""The compiler: nested stacks wired output-to-parameter, parallel where they can be, tagged."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from troposphere import Output, Parameter, Tags, Template, ec2, eks, ssm

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.errors import BuildError, InternalError
from tests.conftest import spec_from

SPEC = spec_from("name: demo\ntags: {team: ml, cost-center: '42'}\n")


def stack(name, outputs=(), parameters=(), defaults=(), enabled=True, resources=()):
    def build(_spec):
        template = Template()
        for output in outputs:
            template.add_output(Output(output, Value="x", Description=f"{output} of {name}"))
        for parameter in parameters:
            template.add_parameter(Parameter(parameter, Type="String"))
        for parameter in defaults:
            template.add_parameter(Parameter(parameter, Type="String", Default="d"))
        for resource in resources:
            template.add_resource(resource())
        return template

    return SimpleNamespace(NAME=name, enabled=lambda _spec: enabled, build=build)


def root_of(*stacks):
    return compile_platform(SPEC, stacks).templates[ROOT_FILE].to_dict()


def test_parameters_are_fed_from_the_stack_that_outputs_them():
    root = root_of(
        stack("vpc", outputs=["VpcId", "PrivateSubnetIds"]),
        stack("eks", outputs=["ClusterName"], parameters=["VpcId", "PrivateSubnetIds"]),
        stack("rds", parameters=["VpcId"]),
    )
    resources = root["Resources"]
    assert resources["EksStack"]["Properties"] | {"Tags": None} == {
        "Tags": None,
        "TemplateURL": "eks.yaml",
        "Parameters": {
            "VpcId": {"Fn::GetAtt": ["VpcStack", "Outputs.VpcId"]},
            "PrivateSubnetIds": {"Fn::GetAtt": ["VpcStack", "Outputs.PrivateSubnetIds"]},
        },
    }
    assert "Parameters" not in resources["VpcStack"]["Properties"]


def test_stacks_that_need_nothing_from_each_other_do_not_depend_on_each_other():
    root = root_of(
        stack("vpc", outputs=["VpcId"]),
        stack("eks", outputs=["ClusterName"], parameters=["VpcId"]),
        stack("rds", parameters=["VpcId"]),
    )
    rds = root["Resources"]["RdsStack"]
    assert "DependsOn" not in rds
    assert "EksStack" not in str(rds)


def test_every_nested_output_is_passed_through_the_root():
    root = root_of(stack("vpc", outputs=["VpcId"]), stack("eks", outputs=["ClusterName"]))
    assert root["Outputs"] == {
        "VpcId": {
            "Value": {"Fn::GetAtt": ["VpcStack", "Outputs.VpcId"]},
            "Description": "VpcId of vpc",
        },
        "ClusterName": {
            "Value": {"Fn::GetAtt": ["EksStack", "Outputs.ClusterName"]},
            "Description": "ClusterName of eks",
        },
    }


def test_defaulted_parameters_without_a_producer_keep_their_default():
    root = root_of(stack("bastion", defaults=["ImageId"]))
    assert "Parameters" not in root["Resources"]["BastionStack"]["Properties"]


def test_disabled_stacks_are_left_out_entirely():
    compiled = compile_platform(SPEC, (stack("vpc"), stack("bastion", enabled=False)))
    assert list(compiled.templates) == [ROOT_FILE, "vpc.yaml"]
    assert list(compiled.templates[ROOT_FILE].to_dict()["Resources"]) == ["VpcStack"]


def test_an_output_given_by_two_stacks_is_a_bug_not_a_guess():
    with pytest.raises(InternalError, match="stacks a and b both output Same"):
        root_of(stack("a", outputs=["Same"]), stack("b", outputs=["Same"]))


def test_a_parameter_nobody_gives_is_a_bug():
    with pytest.raises(InternalError, match="stack eks takes parameter VpcId, which no enabled"):
        root_of(stack("eks", parameters=["VpcId"]), stack("vpc", enabled=False, outputs=["VpcId"]))


def test_spec_tags_reach_every_taggable_resource_in_either_tag_shape():
    compiled = compile_platform(
        SPEC,
        (
            stack(
                "x",
                resources=[
                    lambda: ssm.Parameter("P", Type="String", Value="v", Tags={"own": "1"}),
                    lambda: eks.Addon("A", AddonName="a", ClusterName="c"),
                    lambda: ssm.Parameter("Q", Type="String", Value="v", Tags={"team": "mine"}),
                ],
            ),
        ),
    )
    resources = compiled.templates["x.yaml"].to_dict()["Resources"]
    platform = {"litellm-cfn:platform": "demo-prod"}
    assert (
        resources["P"]["Properties"]["Tags"]
        == {
            "own": "1",
            "cost-center": "42",
            "team": "ml",
        }
        | platform
    )
    assert resources["Q"]["Properties"]["Tags"] == {"team": "mine", "cost-center": "42"} | platform
    tag_list = [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "litellm-cfn:platform", "Value": "demo-prod"},
        {"Key": "team", "Value": "ml"},
    ]
    assert resources["A"]["Properties"]["Tags"] == tag_list
    root = compiled.templates[ROOT_FILE].to_dict()
    assert root["Resources"]["XStack"]["Properties"]["Tags"] == tag_list


def test_a_resources_own_tags_win_over_the_specs():
    compiled = compile_platform(
        SPEC,
        (
            stack(
                "x",
                resources=[lambda: ec2.VPC("V", CidrBlock="10.0.0.0/16", Tags=Tags(team="net"))],
            ),
        ),
    )
    vpc = compiled.templates["x.yaml"].to_dict()["Resources"]["V"]
    assert vpc["Properties"]["Tags"] == [
        {"Key": "team", "Value": "net"},
        {"Key": "cost-center", "Value": "42"},
        {"Key": "litellm-cfn:platform", "Value": "demo-prod"},
    ]


def test_every_taggable_resource_of_the_real_stacks_carries_the_spec_tags():
    compiled = compile_platform(SPEC)
    for file, template in compiled.templates.items():
        for name, resource in template.resources.items():
            if "Tags" not in resource.props:
                continue
            tags = resource.to_dict()["Properties"]["Tags"]
            pairs = (
                tags.items() if isinstance(tags, dict) else [(t["Key"], t["Value"]) for t in tags]
            )
            assert {("team", "ml"), ("cost-center", "42")} <= set(pairs), f"{file} {name}"


def test_the_root_names_nested_templates_by_relative_path():
    root = compile_platform(SPEC).templates[ROOT_FILE].to_dict()
    assert root["Resources"]["VpcStack"]["Properties"]["TemplateURL"] == "vpc.yaml"
    assert root["Metadata"] == {"cfn-lint": {"config": {"ignore_checks": ["W3002"]}}}


def names(prefix, count):
    return [f"{prefix}{index}" for index in range(count)]


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        (
            [stack("big", outputs=names("Out", 201))],
            "big.yaml: more than 200 outputs exceeds CloudFormation's limit of 200 per template",
        ),
        (
            [stack("big", defaults=names("In", 201))],
            "big.yaml: more than 200 parameters exceeds CloudFormation's limit of 200 per template",
        ),
        (
            [stack(f"s{n}", outputs=names(f"S{n}Out", 70)) for n in range(3)],
            "root.yaml: more than 200 outputs exceeds CloudFormation's limit of 200 per template",
        ),
    ],
    ids=["nested-outputs", "nested-parameters", "root-outputs"],
)
def test_one_object_past_a_count_quota_is_a_one_line_build_error(stacks, message):
    with pytest.raises(BuildError) as caught:
        compile_platform(SPEC, tuple(stacks))
    assert str(caught.value) == message
    assert caught.value.exit_code == 1


def test_troposphere_errors_that_are_not_quotas_stay_bugs():
    with pytest.raises(ValueError, match='duplicate key "Out" detected'):
        compile_platform(SPEC, (stack("twice", outputs=["Out", "Out"]),))
