"""The templates `deploy --adopt-retained` imports through, on every spec's compiled platform:
what an import template keeps of each kept resource, and that cfn-lint finds every one valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.lint import lint_templates
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.adopt_templates import (
    PLACEHOLDER,
    NestedChild,
    import_template,
    nesting_root,
    placeholder_root,
    references,
)
from litellm_cfn.deploy.retained import Retained, retained_resources
from litellm_cfn.spec import load_spec
from tests.conftest import REPO

SPECS = sorted((REPO / "specs").glob("*.yaml"))


def platform(spec: Path = REPO / "specs" / "platform.yaml"):
    return compile_platform(load_spec(spec).spec)


def kept_in(compiled, stack: str) -> list[str]:
    return [r.logical_id for r in retained_resources(compiled) if r.stack == stack]


def nested(compiled, logical_id: str):
    (found,) = [n for n in compiled.nested if n.logical_id == logical_id]
    return found


def test_every_retained_resource_of_every_spec_is_one_adoption_can_find():
    for spec in SPECS:
        for resource in retained_resources(platform(spec)):
            assert resource.resource_type in {
                "AWS::KMS::Key",
                "AWS::SecretsManager::Secret",
                "AWS::Logs::LogGroup",
            }
            assert (resource.name is None) == (resource.resource_type == "AWS::KMS::Key")


def test_the_salt_key_secret_is_declared_for_import_exactly_as_compiled():
    # Nothing the ordinary deploy after the import compares differs, so it never touches the
    # secret, and its value (GenerateSecretString is write-only) stays.
    compiled = platform()
    secrets = nested(compiled, "SecretsStack")
    template = import_template(secrets, kept_in(compiled, "SecretsStack"))
    declared = secrets.template.to_dict()["Resources"]
    for logical_id in ("LitellmSaltKeySecret", "LitellmMasterKeySecret", "LitellmSecretsKey"):
        assert template["Resources"][logical_id] == declared[logical_id]
    assert "LitellmSecretsKeyAlias" not in template["Resources"]
    assert set(template) == {"AWSTemplateFormatVersion", "Description", "Resources"}


def test_a_property_referring_to_what_is_not_imported_is_left_to_the_deploy_that_follows():
    compiled = platform()
    eks = nested(compiled, "EksStack")
    resources = import_template(eks, kept_in(compiled, "EksStack"))["Resources"]
    # The key policy names the cluster role, which the deleted stack took with it.
    assert "KeyPolicy" in eks.template.to_dict()["Resources"]["SecretsKey"]["Properties"]
    assert "KeyPolicy" not in resources["SecretsKey"]["Properties"]
    assert "KeyPolicy" in resources["NodeVolumeKey"]["Properties"]
    rds = nested(compiled, "RdsStack")
    secret = import_template(rds, kept_in(compiled, "RdsStack"))["Resources"]["DbConnectionSecret"]
    assert "SecretString" not in secret["Properties"]  # it names the database's endpoint
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DatabaseKey", "Arn"]}


def test_an_import_template_refers_to_nothing_it_does_not_declare():
    for spec in SPECS:
        compiled = platform(spec)
        for stack in compiled.nested:
            kept = kept_in(compiled, stack.logical_id)
            if not kept:
                continue
            template = import_template(stack, kept)
            assert list(template["Resources"]) == kept
            for resource in template["Resources"].values():
                assert references(resource) <= set(kept)
                assert resource["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}"}, {"Role"}),
        ({"Fn::Sub": ["${Host}:${Port}", {"Host": {"Fn::GetAtt": "Db.Endpoint"}}]}, {"Db", "Port"}),
        ({"Fn::Sub": "${!Literal} ${Key.Arn}"}, {"Key"}),
        ([{"Ref": "AWS::Region"}, {"Ref": "VpcId"}], {"VpcId"}),
        ({"Fn::GetAtt": ["Key", "Arn"]}, {"Key"}),
    ],
)
def test_references_are_read_from_ref_getatt_and_sub(value, expected):
    assert references(value) == expected


def test_the_nesting_root_imports_each_stack_as_it_is_and_keeps_it_on_failure():
    root = nesting_root(
        placeholder_root("LiteLLM platform litellm-prod"),
        {
            "SecretsStack": NestedChild(
                "https://b.s3.us-east-1.amazonaws.com/litellm-prod/1.yaml",
                {"litellm-cfn:platform": "litellm-prod", "team": "ml"},
            )
        },
    )
    assert root["Resources"][PLACEHOLDER] == {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    stack = root["Resources"]["SecretsStack"]
    assert stack["DeletionPolicy"] == "Retain"
    assert stack["Properties"] == {
        "TemplateURL": "https://b.s3.us-east-1.amazonaws.com/litellm-prod/1.yaml",
        "Tags": [
            {"Key": "litellm-cfn:platform", "Value": "litellm-prod"},
            {"Key": "team", "Value": "ml"},
        ],
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_adoption_template_is_lint_clean(spec, tmp_path):
    compiled = platform(spec)
    files = {}
    for stack in compiled.nested:
        kept = kept_in(compiled, stack.logical_id)
        if kept:
            files[f"{stack.name}-import.yaml"] = import_template(stack, kept)
    files["placeholder.yaml"] = placeholder_root("LiteLLM platform")
    for name, template in files.items():
        (tmp_path / name).write_text(to_yaml(template))
    findings = lint_templates(tmp_path, sorted(files), "us-east-1")
    assert [str(f) for f in findings] == []
    assert "secrets-import.yaml" in files and "rds-import.yaml" in files


def test_a_type_adoption_cannot_find_is_an_error_not_a_resource_left_behind():
    from troposphere import Template, sqs

    from litellm_cfn.compile.compiler import CompiledPlatform
    from litellm_cfn.errors import InternalError

    template = Template()
    template.add_resource(sqs.Queue("Queue", DeletionPolicy="Retain"))
    compiled = CompiledPlatform({"root.yaml": Template(), "queue.yaml": template})
    with pytest.raises(InternalError, match=r"QueueStack/Queue \(AWS::SQS::Queue\) is retained"):
        retained_resources(compiled)


def test_a_retained_resource_knows_its_import_identifier():
    key = Retained("SecretsStack", "LitellmSecretsKey", "AWS::KMS::Key", None, None)
    assert key.import_identifier("1234abcd") == {"KeyId": "1234abcd"}
    assert key.qualified_id == "SecretsStack/LitellmSecretsKey"
