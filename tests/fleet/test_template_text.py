"""Template text as CloudFormation stores it, JSON or YAML with short forms, read as long form."""

from __future__ import annotations

import json

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.fleet.template_text import parse_template
from litellm_cfn.spec import load_spec
from tests.conftest import SPECS


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_rendered_template_of_every_spec_reads_back_as_compiled(path):
    compiled = compile_platform(load_spec(path).spec)
    for template in compiled.files.values():
        assert parse_template(to_yaml(template.to_dict())) == template.to_dict()


def test_short_forms_read_as_long_forms():
    text = """
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Both: !And [!Condition IsProd, !Not [!Condition IsProd]]
Resources:
  Thing:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref Env
      B: !GetAtt Database.Endpoint.Address
      C: !GetAtt [Database, Endpoint.Port]
      D: !Sub ${AWS::StackName}-x
      E: !Sub ['${X}', {X: !Ref Env}]
      F: !If [IsProd, !Join [',', [a, b]], !Ref AWS::NoValue]
      G: !Select [0, !GetAZs '']
      H: !Base64 {Fn::Sub: 'x'}
      I: !FindInMap [Map, !Ref AWS::Region, Key]
      J: !Split [',', !ImportValue Shared]
      K: !Cidr [10.0.0.0/16, 3, 8]
"""
    template = parse_template(text)
    assert template["Conditions"] == {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Not": [{"Condition": "IsProd"}]}]},
    }
    assert template["Resources"]["Thing"]["Properties"] == {
        "A": {"Ref": "Env"},
        "B": {"Fn::GetAtt": ["Database", "Endpoint.Address"]},
        "C": {"Fn::GetAtt": ["Database", "Endpoint.Port"]},
        "D": {"Fn::Sub": "${AWS::StackName}-x"},
        "E": {"Fn::Sub": ["${X}", {"X": {"Ref": "Env"}}]},
        "F": {"Fn::If": ["IsProd", {"Fn::Join": [",", ["a", "b"]]}, {"Ref": "AWS::NoValue"}]},
        "G": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "H": {"Fn::Base64": {"Fn::Sub": "x"}},
        "I": {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]},
        "J": {"Fn::Split": [",", {"Fn::ImportValue": "Shared"}]},
        "K": {"Fn::Cidr": ["10.0.0.0/16", 3, 8]},
    }


def test_the_format_version_stays_text_not_a_date():
    template = parse_template("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


def test_json_reads_as_it_is():
    document = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"A": "\t"}}}}
    assert parse_template(json.dumps(document, indent="\t")) == document


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: [unclosed\n", "the template is neither JSON nor YAML: "),
        ("- a list\n", "the template is not a mapping of sections"),
        ("", "the template is not a mapping of sections"),
    ],
)
def test_text_that_is_no_template_is_refused_in_one_line(text, message):
    with pytest.raises(LitellmCfnError) as raised:
        parse_template(text)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
