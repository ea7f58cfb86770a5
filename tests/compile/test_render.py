"""The YAML renderer: CloudFormation short forms that parse back to exactly the same template."""

from __future__ import annotations

import pytest
from cfnlint.decode.cfn_yaml import loads as cfn_loads

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.spec import load_spec
from tests.conftest import GOOD_FIXTURES, SPECS


def test_intrinsics_use_short_forms():
    text = to_yaml(
        {
            "Resources": {
                "S": {
                    "Properties": {
                        "A": {"Ref": "Vpc"},
                        "B": {"Fn::GetAtt": ["Key", "Arn"]},
                        "C": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
                        "D": {"Fn::Sub": "arn:${AWS::Partition}:x"},
                    },
                    "Type": "AWS::X::Y",
                }
            }
        }
    )
    assert text == (
        "Resources:\n"
        "  S:\n"
        "    Type: AWS::X::Y\n"
        "    Properties:\n"
        "      A: !Ref Vpc\n"
        "      B: !GetAtt Key.Arn\n"
        "      C: !Select\n"
        "      - 0\n"
        "      - !GetAZs ''\n"
        "      D: !Sub arn:${AWS::Partition}:x\n"
    )


def test_a_function_directly_inside_another_keeps_its_long_form():
    # YAML gives a node one tag, so `!Base64 !Sub x` cannot be written.
    text = to_yaml({"U": {"Fn::Base64": {"Fn::Sub": "echo ${AWS::Region}"}}})
    assert text == "U:\n  Fn::Base64: !Sub echo ${AWS::Region}\n"


def test_multi_line_text_is_a_literal_block_and_long_lines_never_fold():
    text = to_yaml({"Script": "line one\nline two\n", "Long": "x " * 200})
    assert "Script: |\n  line one\n  line two\n" in text
    assert len(text.splitlines()[-1]) > 400


def test_template_sections_and_resource_keys_follow_cloudformations_order():
    text = to_yaml(
        {
            "Outputs": {"O": {"Value": "v", "Description": "d"}},
            "Resources": {"R": {"Properties": {}, "DeletionPolicy": "Retain", "Type": "T"}},
            "Description": "x",
            "AWSTemplateFormatVersion": "2010-09-09",
        }
    )
    keys = [line.strip() for line in text.splitlines()]
    assert keys.index("AWSTemplateFormatVersion: '2010-09-09'") < keys.index("Description: x")
    assert (
        keys.index("Type: T") < keys.index("DeletionPolicy: Retain") < keys.index("Properties: {}")
    )
    assert keys.index("Description: d") < keys.index("Value: v")


@pytest.mark.parametrize("path", SPECS + GOOD_FIXTURES, ids=lambda p: p.name)
def test_every_rendered_template_parses_back_to_the_same_template(path):
    for template in compile_platform(load_spec(path).spec).templates.values():
        as_dict = template.to_dict()
        assert cfn_loads(to_yaml(as_dict)) == as_dict


def test_strings_that_yaml_would_misread_are_quoted():
    tricky = [
        "yes",
        "no",
        "on",
        "1",
        "1.0",
        "null",
        "~",
        "",
        "0x10",
        "2024-01-01",
        "a: b",
        "#x",
        "- x",
    ]
    parsed = cfn_loads(to_yaml({"Values": tricky}))
    assert parsed["Values"] == tricky
