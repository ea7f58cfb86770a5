"""The StackSets execution role: named and trusted as StackSets requires, lint clean, and
holding the Service Catalog launch role's permissions for the same platform, checked by the
same parliament and cloudsplaining harness (tests/security) as the launch role."""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from awacs.aws import PolicyDocument
from parliament import analyze_policy_string
from troposphere import Parameter, Template, encode_to_dict

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from litellm_cfn.compile.launch_actions import footprint
from litellm_cfn.compile.launch_role import (
    MANAGED_POLICY_LIMIT,
    TEMPLATES_BUCKET,
    document_size,
    launch_statements,
)
from litellm_cfn.compile.lint import lint_templates
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.errors import InternalError
from litellm_cfn.fleet.execution_role import (
    EXECUTION_ROLE_ID,
    execution_role_name,
    execution_role_template,
)
from litellm_cfn.spec import PlatformSpec, load_spec
from tests.conftest import SPECS, spec_from
from tests.security import test_cloudsplaining as scan
from tests.security import test_policy_lint as lint
from tests.security.documents import Document, documents
from tests.security.platforms import every_spec

ADMINISTRATOR = "111111111111"
STACK_SET = "litellm-fleet-eu"
FILE = "execution-role.yaml"
ORG_ADMIN = (
    "arn:${AWS::Partition}:iam::111111111111:role/aws-service-role/"
    "stacksets.cloudformation.amazonaws.com/AWSServiceRoleForCloudFormationStackSetsOrgAdmin"
)
# What only one of the two roles holds: how each reads the templates, and its own ARN.
OWN_STATEMENTS = {
    "ReadTheNestedTemplates",
    "ReadServiceCatalogsCopyOfTheProduct",
    "NeverChangeThisRole",
}
# ExecutionRoleName as CreateStackSet takes it.
ROLE_NAME_SHAPE = (
    botocore.session.get_session()
    .get_service_model("cloudformation")
    .operation_model("CreateStackSet")
    .input_shape.members["ExecutionRoleName"]
    .metadata
)


@cache
def nested(path: Path) -> tuple[PlatformSpec, tuple[Template, ...]]:
    spec = load_spec(path).spec
    compiled = compile_platform(spec)
    return spec, tuple(t for f, t in compiled.templates.items() if f != ROOT_FILE)


def template_of(spec: PlatformSpec, templates: tuple[Template, ...]) -> dict[str, Any]:
    role_name = execution_role_name(STACK_SET)
    built = execution_role_template(spec, templates, role_name, administrator_account=ADMINISTRATOR)
    return encode_to_dict(built.to_dict())


def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


EVERY_SPEC = pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)


@EVERY_SPEC
def test_every_specs_execution_role_lints_clean(path: Path, tmp_path: Path):
    spec, templates = nested(path)
    (tmp_path / FILE).write_text(to_yaml(template_of(spec, templates)))
    assert lint_templates(tmp_path, [FILE], spec.region) == []


@pytest.mark.parametrize(
    "stack_set",
    ["a", STACK_SET, "x" * 42, "x" * 43, "LiteLLM-Prod", "a" + "-b" * 63],
)
def test_role_names_begin_as_stacksets_requires_and_fit_iam(stack_set: str):
    name = execution_role_name(stack_set)
    assert name.startswith("stacksets-exec-custom-")
    assert ROLE_NAME_SHAPE["min"] <= len(name) <= ROLE_NAME_SHAPE["max"] == 64
    assert re.fullmatch(ROLE_NAME_SHAPE["pattern"], name)
    assert execution_role_name(stack_set) == name


def test_role_names_are_plain_when_they_fit_and_distinct_without_case_when_not():
    assert execution_role_name(STACK_SET) == "stacksets-exec-custom-litellm-fleet-eu"
    assert execution_role_name("x" * 42) == "stacksets-exec-custom-" + "x" * 42
    long = execution_role_name("x" * 43)
    assert re.fullmatch(r"stacksets-exec-custom-x{33}\.[0-9a-f]{8}", long)
    # IAM role names ignore case; stack set names do not.
    names = ["myset", "MySet", "MYSET", "x" * 43, "x" * 44, "x" * 43 + "-a", "X" * 43]
    assert len({execution_role_name(n).lower() for n in names}) == len(names)


@EVERY_SPEC
def test_the_template_makes_the_named_role_without_parameters_and_outputs_it(path: Path):
    template = template_of(*nested(path))
    assert "Parameters" not in template
    role = template["Resources"][EXECUTION_ROLE_ID]["Properties"]
    assert role["RoleName"] == execution_role_name(STACK_SET)
    assert "Path" not in role  # StackSets assumes role/<ExecutionRoleName>
    policies = [r for r, v in template["Resources"].items() if v["Type"].endswith("Policy")]
    assert role["ManagedPolicyArns"] == [{"Ref": p} for p in policies]
    assert template["Outputs"]["ExecutionRoleName"]["Value"] == {"Ref": EXECUTION_ROLE_ID}
    assert template["Outputs"]["ExecutionRoleArn"]["Value"] == {
        "Fn::GetAtt": [EXECUTION_ROLE_ID, "Arn"]
    }


@EVERY_SPEC
def test_only_the_administrator_accounts_stacksets_service_linked_role_is_trusted(path: Path):
    role = template_of(*nested(path))["Resources"][EXECUTION_ROLE_ID]["Properties"]
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": ORG_ADMIN}},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }


@EVERY_SPEC
def test_the_permissions_are_the_launch_roles_for_stacksets_stacks_in_any_region(path: Path):
    spec, templates = nested(path)
    everything = compile_platform(spec).templates.values()
    bucket = Parameter(TEMPLATES_BUCKET, Type="String")
    launch = encode_to_dict(
        PolicyDocument(Statement=launch_statements(spec, footprint(everything), bucket))
    )["Statement"]
    text = json.dumps([s for s in launch if s.get("Sid") not in OWN_STATEMENTS])
    text = text.replace("${AWS::Region}", "*").replace("stack/SC-*", "stack/StackSet-*")
    execution = statements(template_of(spec, templates))
    assert [s for s in execution if s.get("Sid") not in OWN_STATEMENTS] == json.loads(text)
    assert [s["Sid"] for s in execution if s["Sid"] in OWN_STATEMENTS] == [
        "ReadTheNestedTemplates",
        "NeverChangeThisRole",
    ]


def test_the_role_reads_the_platforms_templates_from_the_administrator_account_only():
    spec, templates = nested(SPECS[0])
    read = next(s for s in statements(template_of(spec, templates)) if s["Sid"].startswith("Read"))
    assert read["Action"] == ["s3:GetObject"]
    assert read["Resource"] == [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::*/{spec.stack_name}/*"}]
    assert read["Condition"] == {"StringEquals": {"aws:ResourceAccount": ADMINISTRATOR}}


def test_the_role_denies_itself_every_iam_write():
    spec, templates = nested(SPECS[0])
    deny = [s for s in statements(template_of(spec, templates)) if s["Effect"] == "Deny"]
    role = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{execution_role_name(STACK_SET)}"
    assert [s["Resource"] for s in deny] == [[{"Fn::Sub": role}]]
    assert {"iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"} <= set(
        deny[0]["Action"]
    )


def test_the_role_runs_the_root_stack_even_from_the_nested_templates_alone():
    spec, templates = nested(SPECS[0])
    stacks = next(
        s
        for s in statements(template_of(spec, templates))
        if "cloudformation:CreateStack" in s["Action"]
    )
    assert "cloudformation:DeleteStack" in stacks["Action"]
    assert stacks["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/StackSet-*"}
    ]


@EVERY_SPEC
def test_no_permission_is_pinned_to_one_region_and_every_policy_fits(path: Path):
    template = template_of(*nested(path))
    assert "AWS::Region" not in json.dumps(template)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert document_size(resource["Properties"]["PolicyDocument"]) <= MANAGED_POLICY_LIMIT


@pytest.mark.parametrize(
    ("role_name", "account"),
    [
        ("litellm-exec", ADMINISTRATOR),
        ("stacksets-exec-custom-" + "x" * 43, ADMINISTRATOR),
        ("stacksets-exec-custom-a b", ADMINISTRATOR),
        (execution_role_name(STACK_SET), "12345"),
    ],
)
def test_a_role_name_or_account_stacksets_would_refuse_is_a_bug(role_name: str, account: str):
    spec = spec_from("name: demo\n")
    with pytest.raises(InternalError):
        execution_role_template(spec, [], role_name, administrator_account=account)


def security_documents() -> list[Document]:
    found: list[Document] = []
    for spec in every_spec():
        templates = compile_platform(spec).templates.values()
        role_name = execution_role_name(f"litellm-{spec.stack_name}")
        built = execution_role_template(
            spec, templates, role_name, administrator_account=ADMINISTRATOR
        )
        found += documents(built.to_dict(), f"{spec.stack_name}/{FILE}")
    return found


DOCUMENTS = security_documents()
# The launch role's cloudsplaining allowances, for the same statements in this role's policies.
SCAN_ALLOWED = [
    dataclasses.replace(a, where=r".*execution-role\.yaml:ExecutionPolicy\d+")
    for a in scan.ALLOWED
    if a.where == r".*launch-role\.yaml:LaunchPolicy\d+"
]


def test_every_platform_has_its_execution_roles_policies_and_trust_checked():
    kinds = {(d.kind, d.where.split(":", 1)[1].rstrip("0123456789")) for d in DOCUMENTS}
    assert kinds == {("identity", "ExecutionPolicy"), ("trust", EXECUTION_ROLE_ID)}
    assert len(SCAN_ALLOWED) >= 5


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: f"{d.kind}:{d.where}")
def test_parliament_finds_nothing_it_does_not_allow_the_launch_role(document: Document):
    unexplained = [
        f"{finding.issue}: {str(finding.detail)[:300]}"
        for finding in analyze_policy_string(lint._lintable(document)).findings
        if not any(lint._allows(a, document.kind, finding) for a in lint.ALLOWED)
    ]
    assert unexplained == []


@pytest.mark.parametrize(
    "document", [d for d in DOCUMENTS if d.kind == "identity"], ids=lambda d: d.where
)
def test_cloudsplaining_finds_nothing_it_does_not_allow_the_launch_role(document: Document):
    assert scan.findings(document, every_statement=False) == []
    unexplained = [
        (kind, actions)
        for kind, actions in scan.findings(document, every_statement=True)
        if not any(scan._allows(a, document, kind, actions) for a in SCAN_ALLOWED)
    ]
    assert unexplained == []
