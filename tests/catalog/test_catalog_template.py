"""The catalog stack, around the launch role's template that `build` wrote."""

from __future__ import annotations

from pathlib import Path

from litellm_cfn.catalog.publish import catalog_body, catalog_parameters
from litellm_cfn.catalog.template import PublishedVersion, catalog_template
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.launch_role import LAUNCH_ROLE_FILE
from litellm_cfn.compile.lint import lint_templates
from litellm_cfn.compile.render import to_yaml
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


def template_of(text: str = CATALOG) -> dict:
    spec = spec_from(text)
    assert spec.catalog is not None
    launch_role = compile_platform(spec).companions.get(LAUNCH_ROLE_FILE)
    return catalog_template(spec, spec.catalog, VERSIONS, launch_role).to_dict()


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
    assert constraint["DependsOn"] == ["PortfolioProduct", "ProductLaunchRole"]
    assert constraint["Properties"]["LocalRoleName"] == {
        "Fn::Sub": "demo-prod-launch-${AWS::Region}"
    }
    assert "RoleArn" not in constraint["Properties"]


def test_the_catalog_stack_holds_the_built_launch_role_unchanged():
    spec = spec_from(CATALOG)
    compiled = compile_platform(spec)
    built = compiled.companions[LAUNCH_ROLE_FILE].to_dict()
    resources = template_of()["Resources"]
    for logical_id, resource in built["Resources"].items():
        assert resources[logical_id] == resource
    assert catalog_parameters(compiled, "bucket") == {"TemplatesBucket": "bucket"}


def test_an_existing_launch_role_is_used_by_its_name():
    text = "name: demo\ncatalog: {launch_role: 'arn:aws:iam::123456789012:role/ops/Launch'}\n"
    compiled = compile_platform(spec_from(text))
    assert compiled.companions == {}
    assert catalog_parameters(compiled, "bucket") == {}
    resources = template_of(text)["Resources"]
    assert "ProductLaunchRole" not in resources
    assert resources["LaunchRole"]["Properties"]["LocalRoleName"] == "Launch"
    assert resources["LaunchRole"]["DependsOn"] == ["PortfolioProduct"]


def test_the_catalog_template_lints_clean(tmp_path: Path):
    for index, text in enumerate((CATALOG, "name: demo\ncatalog: {}\n")):
        spec = spec_from(text)
        body = catalog_body(spec, VERSIONS, compile_platform(spec))
        (tmp_path / f"catalog{index}.yaml").write_text(body)
    assert lint_templates(tmp_path, ["catalog0.yaml", "catalog1.yaml"], "us-east-1") == []


def test_the_catalog_body_is_the_rendered_catalog_template():
    spec = spec_from(CATALOG)
    assert catalog_body(spec, VERSIONS, compile_platform(spec)) == to_yaml(template_of())
