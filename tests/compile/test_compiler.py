"""The compiler: nested stacks wired output-to-parameter, parallel where they can be, tagged."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from troposphere import Output, Parameter, Tags, Template, ec2, eks, ssm

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.errors import BuildError, InternalError
from nested_stacks import STACKS, secrets
from nested_stacks.wiring import (
    DECLARED,
    EKS_CLUSTER_NAME,
    REDIS_PASSWORD_SECRET_NAME,
    Wire,
    Wiring,
)
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

    return SimpleNamespace(
        NAME=name, OUTPUTS=tuple(outputs), enabled=lambda _spec: enabled, build=build
    )


def declared_for(*stacks, set_by_default=None):
    """The real wiring, with the test stacks' outputs declared in place of their namesakes':
    what a real stack of the same name would give is left to a stack that is never enabled."""
    fake = tuple(Wire(output, s.NAME) for s in stacks for output in s.OUTPUTS)
    replaced = {s.NAME for s in stacks}
    outputs = {wire.name for wire in fake}
    kept = tuple(
        Wire(w.name, f"real {w.producer}") if w.producer in replaced else w
        for w in DECLARED.wires
        if w.name not in outputs
    )
    return Wiring(fake + kept, dict(DECLARED.set_by_default) | (set_by_default or {}))


def compiled(*stacks, **declared):
    return compile_platform(SPEC, stacks, declared_for(*stacks, **declared))


def root_of(*stacks, **declared):
    return compiled(*stacks, **declared).templates[ROOT_FILE].to_dict()


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


def test_a_parameter_a_stack_sets_itself_keeps_its_default():
    root = root_of(stack("bastion", defaults=["ImageId"]), set_by_default={"ImageId": "bastion"})
    assert "Parameters" not in root["Resources"]["BastionStack"]["Properties"]


def test_a_misspelled_parameter_is_a_bug_even_with_a_default():
    with pytest.raises(InternalError, match="stack bastion takes ImageIdd, which no stack"):
        root_of(stack("bastion", defaults=["ImageIdd"]), set_by_default={"ImageId": "bastion"})


def test_a_parameter_from_a_disabled_stack_keeps_its_default_if_it_has_one():
    root = root_of(stack("vpc", enabled=False, outputs=["VpcId"]), stack("eks", defaults=["VpcId"]))
    assert "Parameters" not in root["Resources"]["EksStack"]["Properties"]


def test_disabled_stacks_are_left_out_entirely():
    built = compiled(stack("vpc"), stack("bastion", enabled=False))
    assert list(built.templates) == [ROOT_FILE, "vpc.yaml"]
    assert list(built.templates[ROOT_FILE].to_dict()["Resources"]) == ["VpcStack"]


def test_an_output_given_by_a_stack_not_declared_to_give_it_is_a_bug_not_a_guess():
    a, b = stack("a", outputs=["Same"]), stack("b", outputs=["Same"])
    with pytest.raises(InternalError, match="stack b outputs Same, declared as a's"):
        compile_platform(SPEC, (a, b), declared_for(a))


def test_a_parameter_nobody_gives_is_a_bug():
    with pytest.raises(InternalError, match="stack eks takes VpcId from stack vpc, which is not"):
        root_of(stack("eks", parameters=["VpcId"]), stack("vpc", enabled=False, outputs=["VpcId"]))


def test_a_stack_taking_its_own_output_is_a_bug():
    with pytest.raises(InternalError, match="stack vpc takes VpcId, which it outputs itself"):
        root_of(stack("vpc", outputs=["VpcId"], parameters=["VpcId"]))


def with_secrets_outputs(change):
    """The real stacks, the secrets stack's outputs passed through `change` first."""

    def build(spec):
        template = secrets.build(spec)
        change(template.outputs)
        return template

    changed = SimpleNamespace(NAME="secrets", enabled=secrets.enabled, build=build)
    return tuple(changed if module is secrets else module for module in STACKS)


def test_renaming_a_real_output_fails_the_build_naming_both_ends():
    def rename(outputs):
        outputs["RedisPasswordSecretNames"] = outputs.pop(REDIS_PASSWORD_SECRET_NAME.name)

    with pytest.raises(InternalError, match="stack secrets outputs RedisPasswordSecretNames, not"):
        compile_platform(SPEC, with_secrets_outputs(rename))


def test_a_stack_that_stops_giving_a_declared_output_fails_the_build():
    def drop(outputs):
        del outputs[REDIS_PASSWORD_SECRET_NAME.name]

    with pytest.raises(
        InternalError, match="stack secrets does not output RedisPasswordSecretName"
    ):
        compile_platform(SPEC, with_secrets_outputs(drop))


def test_a_composed_root_output_naming_an_undeclared_output_is_a_bug():
    wiring = Wiring(
        tuple(w for w in DECLARED.wires if w != EKS_CLUSTER_NAME), DECLARED.set_by_default
    )
    only_vpc = tuple(m for m in STACKS if m.NAME == "vpc")
    with pytest.raises(InternalError, match="root output ConfigureKubectl names EksClusterName"):
        compile_platform(SPEC, only_vpc, wiring)


def test_a_composed_root_output_whose_stack_is_disabled_is_left_out():
    only_vpc = tuple(m for m in STACKS if m.NAME == "vpc")
    root = compile_platform(SPEC, only_vpc).templates[ROOT_FILE].to_dict()
    assert "ConfigureKubectl" not in root["Outputs"] and "VpcId" in root["Outputs"]


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
        compiled(*stacks)
    assert str(caught.value) == message
    assert caught.value.exit_code == 1


def test_troposphere_errors_that_are_not_quotas_stay_bugs():
    with pytest.raises(ValueError, match='duplicate key "Out" detected'):
        compile_platform(SPEC, (stack("twice", outputs=["Out", "Out"]),))
