"""The catalog stack and its generated launch role."""

from __future__ import annotations

from pathlib import Path

from troposphere import encode_to_dict

from litellm_cfn.catalog.launch_role import launch_policy, resource_types
from litellm_cfn.catalog.publish import catalog_body
from litellm_cfn.catalog.template import PublishedVersion, catalog_template
from litellm_cfn.compiler import compile_platform
from litellm_cfn.lint import lint_templates
from tests.conftest import spec_from

CATALOG = """\
name: demo
bastion: {enabled: true}
iam: {role_path: /litellm/, permissions_boundary_arn: 'arn:aws:iam::123456789012:policy/Boundary'}
catalog:
  principal_arns: [arn:aws:iam::123456789012:role/Developers, arn:aws:iam::123456789012:group/Ops]
  share_with: ['210987654321', ou-ab12-abcdefgh]
  organization_id: o-abcdefghij
  product: {support_email: help@example.com, support_url: https://example.com/help}
  tags: {team: ml}
"""
VERSIONS = [
    PublishedVersion("1.0.0", "a" * 64, "https://b.s3.us-east-1.amazonaws.com/demo-prod/a.yaml"),
    PublishedVersion("1.1.0", "b" * 64, "https://b.s3.us-east-1.amazonaws.com/demo-prod/b.yaml"),
]


def compiled_types(text: str) -> set[str]:
    return resource_types(compile_platform(spec_from(text)).templates.values())


def template_of(text: str = CATALOG) -> dict:
    spec = spec_from(text)
    assert spec.catalog is not None
    arn = "arn:${AWS::Partition}:s3:::bucket/demo-prod/*"
    return catalog_template(spec, spec.catalog, VERSIONS, compiled_types(text), arn).to_dict()


def test_the_product_lists_every_published_version_with_its_template_hash():
    product = template_of()["Resources"]["Product"]["Properties"]
    assert product["ProvisioningArtifactParameters"] == [
        {
            "Name": "1.0.0",
            "Description": "sha256:" + "a" * 64,
            "Info": {"LoadTemplateFromURL": VERSIONS[0].url},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        {
            "Name": "1.1.0",
            "Description": "sha256:" + "b" * 64,
            "Info": {"LoadTemplateFromURL": VERSIONS[1].url},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
    ]
    assert product["SupportEmail"] == "help@example.com"
    assert product["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_principals_are_associated_and_accounts_shared_but_units_left_to_the_api():
    resources = template_of()["Resources"]
    principals = [
        r["Properties"]["PrincipalARN"]
        for r in resources.values()
        if r["Type"].endswith("PrincipalAssociation")
    ]
    assert principals == [
        "arn:aws:iam::123456789012:role/Developers",
        "arn:aws:iam::123456789012:group/Ops",
    ]
    shares = [
        r["Properties"]["AccountId"]
        for r in resources.values()
        if r["Type"].endswith("PortfolioShare")
    ]
    assert shares == ["210987654321"]
    constraint = resources["LaunchRole"]
    assert constraint["DependsOn"] == ["PortfolioProduct"]
    assert constraint["Properties"]["RoleArn"] == {"Fn::GetAtt": ["ProductLaunchRole", "Arn"]}


def test_an_existing_launch_role_is_used_as_is():
    text = "name: demo\ncatalog: {launch_role: 'arn:aws:iam::123456789012:role/Launch'}\n"
    resources = template_of(text)["Resources"]
    assert "ProductLaunchRole" not in resources
    assert (
        resources["LaunchRole"]["Properties"]["RoleArn"] == "arn:aws:iam::123456789012:role/Launch"
    )


def test_the_launch_policy_follows_the_templates_resource_types():
    statements = template_of()["Resources"]["ProductLaunchRole"]["Properties"]["Policies"][0][
        "PolicyDocument"
    ]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert "ec2:RunInstances" in by_sid["ManageEc2ResourcesOfThePlatform"]["Action"]
    assert by_sid["ManageSsmResourcesOfThePlatform"]["Action"] == ["ssm:GetParameters"]
    without_bastion = launch_policy(
        compiled_types("name: demo\n"), "x", "/", "demo/prod/litellm/", None
    )
    actions = {a for s in encode_to_dict(without_bastion)["Statement"] for a in s["Action"]}
    assert "ec2:RunInstances" not in actions
    assert "ssm:GetParameters" not in actions
    assert "rds:CreateDBInstance" in actions


def test_the_launch_policy_grants_no_wildcard_actions_and_scopes_every_resource_it_can():
    statements = template_of()["Resources"]["ProductLaunchRole"]["Properties"]["Policies"][0][
        "PolicyDocument"
    ]["Statement"]
    for statement in statements:
        assert not any(action.endswith("*") for action in statement["Action"]), statement["Sid"]
        if statement["Resource"] == ["*"]:
            assert statement["Sid"] == "ActionsThatTakeNoResourceScope"
            assert all(
                a.split(":")[1].startswith(("Describe", "Get", "Validate"))
                or a in ("kms:CreateKey", "eks:CreateCluster")
                for a in statement["Action"]
            ), statement["Action"]
    iam = next(s for s in statements if s["Sid"] == "ManageIamResourcesOfThePlatform")
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/litellm/*"} in iam[
        "Resource"
    ]
    assert "iam:CreateRole" not in iam["Action"]
    boundary = next(s for s in statements if s["Sid"] == "CreateRolesOnlyWithTheBoundary")
    assert boundary["Condition"] == {
        "ArnEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary"}
    }
    secrets = next(
        s for s in statements if s["Sid"] == "ManageSecretsmanagerResourcesOfThePlatform"
    )
    assert secrets["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
            "secret:demo/prod/litellm/*"
        }
    ]
    templates = next(s for s in statements if s["Sid"] == "ReadThePackagedTemplates")
    assert templates["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket/demo-prod/*"}]


def test_the_catalog_template_lints_clean(tmp_path: Path):
    for index, text in enumerate((CATALOG, "name: demo\ncatalog: {}\n")):
        spec = spec_from(text)
        body = catalog_body(spec, VERSIONS, compiled_types(text), "bucket")
        (tmp_path / f"catalog{index}.yaml").write_text(body)
    assert lint_templates(tmp_path, ["catalog0.yaml", "catalog1.yaml"], "us-east-1") == []


def test_the_trust_of_the_launch_role_names_service_catalog_only():
    role = template_of()["Resources"]["ProductLaunchRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "servicecatalog.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    ]
    assert role["Path"] == "/litellm/"
    assert role["PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/Boundary"
