"""Publishing: versions, no-op re-publish, refusal, deprecation, shares, status."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from litellm_cfn.catalog.publish import (
    check_version_name,
    deprecate_previous,
    plan_versions,
    read_versions,
    share_with_organizational_units,
    unreadable_by,
    versions_table,
    write_versions,
)
from litellm_cfn.catalog.template import PublishedVersion
from litellm_cfn.cli import cli
from litellm_cfn.errors import InputError
from tests.aws import REGION
from tests.conftest import REPO, only_problem, spec_from

V1 = PublishedVersion("1.0.0", "a" * 64, "https://b/a.yaml")
PRODUCT = "prod-abcdefghijklm"
PORTFOLIO = "port-abcdefghijklm"
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def test_a_first_version_is_added_and_republishing_it_changes_nothing():
    versions, changed = plan_versions([], "1.0.0", "a" * 64, "https://b/a.yaml")
    assert (versions, changed) == ([V1], True)
    assert plan_versions([V1], "1.0.0", "a" * 64, "https://b/a.yaml") == ([V1], False)
    second, changed = plan_versions([V1], "1.1.0", "b" * 64, "https://b/b.yaml")
    assert [v.name for v in second] == ["1.0.0", "1.1.0"] and changed


def test_a_changed_template_under_a_published_version_is_refused():
    with pytest.raises(InputError, match=r"version 1\.0\.0 is already published with template"):
        plan_versions([V1], "1.0.0", "c" * 64, "https://b/c.yaml")


@pytest.mark.parametrize("bad", ["", "-1", "v 1", "a" * 101, "1.0/2"])
def test_version_names_service_catalog_rejects_are_refused(bad):
    with pytest.raises(InputError, match="a version is 1 to 100 letters"):
        check_version_name(bad)


def test_versions_are_recorded_in_the_artifacts_bucket(aws):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="artifacts")
    assert read_versions(s3, "artifacts", "p/catalog/versions.json") == []
    write_versions(s3, "artifacts", "p/catalog/versions.json", [V1])
    assert read_versions(s3, "artifacts", "p/catalog/versions.json") == [V1]


def test_shared_accounts_without_read_access_are_named(aws):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="artifacts")
    spec = spec_from("name: demo\ncatalog: {share_with: ['210987654321', '123456789012']}\n")
    assert unreadable_by(s3, "artifacts", spec) == ["210987654321", "123456789012"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::artifacts/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket="artifacts", Policy=json.dumps(policy))
    assert unreadable_by(s3, "artifacts", spec) == ["123456789012"]


ARTIFACTS = {
    "ProvisioningArtifactDetails": [
        {
            "Id": "pa-1",
            "Name": "1.0.0",
            "Description": "sha256:" + "a" * 64,
            "Guidance": "DEFAULT",
            "Active": True,
            "CreatedTime": NOW,
        },
        {
            "Id": "pa-2",
            "Name": "1.1.0",
            "Description": "sha256:" + "b" * 64,
            "Guidance": "DEFAULT",
            "Active": True,
            "CreatedTime": NOW,
        },
        {
            "Id": "pa-0",
            "Name": "0.9.0",
            "Description": "sha256:" + "c" * 64,
            "Guidance": "DEPRECATED",
            "Active": True,
            "CreatedTime": NOW,
        },
    ]
}


def test_deprecating_previous_versions_marks_the_others_once():
    # moto's Service Catalog has no provisioning artifacts: played back with Stubber.
    client = boto3.client("servicecatalog", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_response("list_provisioning_artifacts", ARTIFACTS, {"ProductId": PRODUCT})
        stubber.add_response(
            "update_provisioning_artifact",
            {"Status": "AVAILABLE"},
            {"ProductId": PRODUCT, "ProvisioningArtifactId": "pa-1", "Guidance": "DEPRECATED"},
        )
        assert deprecate_previous(client, PRODUCT, "1.1.0") == ["1.0.0"]
        stubber.assert_no_pending_responses()


def test_organizational_units_are_shared_through_the_api_once():
    # moto's Service Catalog has no portfolio shares: played back with Stubber.
    client = boto3.client("servicecatalog", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_portfolio_shares",
            {
                "PortfolioShareDetails": [
                    {"PrincipalId": "ou-ab12-abcdefgh", "Type": "ORGANIZATIONAL_UNIT"}
                ]
            },
            {"PortfolioId": PORTFOLIO, "Type": "ORGANIZATIONAL_UNIT"},
        )
        stubber.add_response(
            "create_portfolio_share",
            {"PortfolioShareToken": "share-1"},
            {
                "PortfolioId": PORTFOLIO,
                "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-cd34-ijklmnop"},
            },
        )
        share_with_organizational_units(client, PORTFOLIO, ["ou-ab12-abcdefgh", "ou-cd34-ijklmnop"])
        stubber.assert_no_pending_responses()


def test_the_status_table_shows_versions_guidance_and_template_hash():
    table = versions_table(ARTIFACTS["ProvisioningArtifactDetails"]).splitlines()
    assert table[0].split() == ["Version", "Active", "Guidance", "Template", "Created"]
    assert table[3].split()[:3] == ["0.9.0", "yes", "DEPRECATED"]
    assert "sha256:" + "b" * 64 in table[2]


BAD = [
    (
        "catalog: {share_with: ['12345']}\n",
        "catalog.share_with[0]: '12345' is not an AWS account id",
    ),
    (
        "catalog: {share_with: [ou-x]}\n",
        "catalog.share_with[0]: 'ou-x' is not an AWS account id (12 digits) or organizational",
    ),
    (
        "catalog: {principal_arns: ['arn:aws:s3:::bucket']}\n",
        "catalog.principal_arns[0]: 'arn:aws:s3:::bucket' is not an IAM role, group or user ARN",
    ),
    (
        "catalog: {launch_role: 'arn:aws:iam::123456789012:user/me'}\n",
        "catalog.launch_role: 'arn:aws:iam::123456789012:user/me' is not an IAM role ARN",
    ),
    (
        "catalog: {share_with: [ou-ab12-abcdefgh]}\n",
        "catalog.organization_id: sharing with organizational units needs the organization's id",
    ),
    (
        "catalog: {product: {support_email: nobody}}\n",
        "catalog.product.support_email: 'nobody' is not an email address",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_catalog_settings_are_refused_with_a_located_message(text, expected):
    assert expected in only_problem("name: demo\n" + text)


@pytest.fixture
def publishing(aws, tmp_path, monkeypatch):
    """A platform spec with a catalog section in a working folder, bootstrapped in moto."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    spec = tmp_path / "platform.yaml"
    shutil.copy(REPO / "specs" / "platform.yaml", spec)
    with spec.open("a") as text:
        text.write("\ncatalog:\n  principal_arns: [arn:aws:iam::123456789012:role/Developers]\n")
    assert CliRunner().invoke(cli, ["bootstrap", "--region", REGION]).exit_code == 0
    return spec


def test_publish_then_republish_then_refuse_then_publish_a_second_version(publishing):
    # moto deploys the catalog stack but models no Service Catalog resources in it.
    def publish(version: str):
        return CliRunner().invoke(cli, ["publish", str(publishing), "--version", version, "--yes"])

    first = publish("1.0.0")
    assert first.exit_code == 0, first.output
    assert "  Add     Product" in first.stdout
    assert "published LiteLLM on EKS 1.0.0" in first.stdout
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    assert (
        cloudformation.describe_stacks(StackName="litellm-prod-catalog")["Stacks"][0]["StackStatus"]
        == "CREATE_COMPLETE"
    )

    again = publish("1.0.0")
    assert again.exit_code == 0, again.output
    assert "version 1.0.0 is already published with this template" in again.stdout

    publishing.write_text(
        publishing.read_text().replace("retention_days: 30", "retention_days: 60")
    )
    refused = publish("1.0.0")
    assert refused.exit_code == 2
    assert "version 1.0.0 is already published with template sha256:" in refused.stderr

    second = publish("1.1.0")
    assert second.exit_code == 0, second.output
    assert "published LiteLLM on EKS 1.1.0" in second.stdout


def recorded_versions(spec_path) -> list[str]:
    from litellm_cfn.catalog.publish import state_key
    from litellm_cfn.deploy.bootstrap import artifact_bucket
    from litellm_cfn.spec import load_spec

    bucket = artifact_bucket(boto3.client("cloudformation", region_name=REGION))
    key = state_key(load_spec(spec_path).spec)
    return [v.name for v in read_versions(boto3.client("s3", region_name=REGION), bucket, key)]


def catalog_change_sets() -> list[dict]:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    summaries = cloudformation.list_change_sets(StackName="litellm-prod-catalog")["Summaries"]
    # moto lists every stack's change sets; AWS lists the named stack's.
    return [c for c in summaries if c["StackName"] == "litellm-prod-catalog"]


def test_without_a_terminal_or_yes_publish_stops_deletes_its_change_set_and_records_nothing(
    publishing,
):
    result = CliRunner().invoke(cli, ["publish", str(publishing), "--version", "1.0.0"])
    assert result.exit_code == 3
    assert "stopped for approval: publish again with --yes to execute it" in result.stderr
    assert catalog_change_sets() == []
    assert recorded_versions(publishing) == []
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stacks = cloudformation.list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "litellm-prod-catalog"] in (
        [],
        ["DELETE_COMPLETE"],
    ), "the empty stack holding the declined change set is removed"


def test_a_version_left_running_with_ctrl_c_is_recorded_and_completed_by_publishing_again(
    publishing, monkeypatch
):
    from litellm_cfn.deploy.changesets import Deployer

    args = ["publish", str(publishing), "--yes", "--version"]
    assert CliRunner().invoke(cli, [*args, "1.0.0"]).exit_code == 0
    # moto finishes an execution inside the call, so Ctrl-C during the watch is raised by a
    # stand-in that also leaves the change set unexecuted: the update that "failed".
    real_execute = Deployer.execute

    def interrupted(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Deployer, "execute", interrupted)
    stopped = CliRunner().invoke(cli, [*args, "1.1.0"])
    assert stopped.exit_code == 130
    assert f"litellm-cfn publish {publishing} --version 1.1.0` again completes it" in (
        stopped.stderr
    )
    assert recorded_versions(publishing) == ["1.0.0", "1.1.0"]
    assert "1.1.0" not in catalog_template_body()

    monkeypatch.setattr(Deployer, "execute", real_execute)
    again = CliRunner().invoke(cli, [*args, "1.1.0"])
    assert again.exit_code == 0, again.output
    assert "published LiteLLM on EKS 1.1.0" in again.stdout
    assert "1.1.0" in catalog_template_body(), "the recorded version reaches the product"
    settled = CliRunner().invoke(cli, [*args, "1.1.0"])
    assert "version 1.1.0 is already published with this template" in settled.stdout


def catalog_template_body() -> str:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    return str(cloudformation.get_template(StackName="litellm-prod-catalog")["TemplateBody"])


def test_publishing_a_spec_without_a_catalog_section_says_so(aws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["publish", str(REPO / "specs" / "platform.yaml"), "--version", "1.0.0"]
    )
    assert result.exit_code == 2
    assert "no catalog section; add one to publish the platform" in result.stderr


def test_a_bad_version_name_is_refused_before_anything_happens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["publish", str(REPO / "specs" / "platform.yaml"), "--version", "not a version"]
    )
    assert result.exit_code == 2
    assert "a version is 1 to 100 letters" in result.stderr


def test_catalog_status_lists_the_products_versions(monkeypatch):
    # moto's CloudFormation creates no Service Catalog resources, and its Service Catalog has
    # no provisioning artifacts: both played back with Stubber.
    import litellm_cfn.deploy.aws as aws_module

    clients = {
        "cloudformation": boto3.client("cloudformation", region_name=REGION),
        "servicecatalog": boto3.client("servicecatalog", region_name=REGION),
        "s3": boto3.client("s3", region_name=REGION),
    }
    monkeypatch.setattr(aws_module, "client", lambda service, *args, **kwargs: clients[service])
    detail = {
        "LogicalResourceId": "x",
        "ResourceType": "x",
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "CREATE_COMPLETE",
    }
    with Stubber(clients["cloudformation"]) as cfn, Stubber(clients["servicecatalog"]) as catalog:
        for logical, physical in (("Portfolio", PORTFOLIO), ("Product", PRODUCT)):
            cfn.add_response(
                "describe_stack_resource",
                {"StackResourceDetail": detail | {"PhysicalResourceId": physical}},
                {"StackName": "litellm-prod-catalog", "LogicalResourceId": logical},
            )
        catalog.add_response("list_provisioning_artifacts", ARTIFACTS, {"ProductId": PRODUCT})
        result = CliRunner().invoke(
            cli, ["catalog", "status", str(REPO / "specs" / "platform.yaml")]
        )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].split()[:3] == ["1.1.0", "yes", "DEFAULT"]


def test_bootstrap_lets_shared_accounts_and_the_organization_read_templates():
    from troposphere import encode_to_dict

    from litellm_cfn.deploy.bootstrap import bootstrap_template

    policy = encode_to_dict(bootstrap_template(("210987654321",), "o-abcdefghij"))
    statements = policy["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert [s["Sid"] for s in statements] == [
        "TlsOnly",
        "SharedAccountsReadTemplates",
        "OrganizationReadsTemplates",
    ]
    assert statements[1]["Principal"] == {
        "AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::210987654321:root"}]
    }
    assert statements[2]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}
    assert statements[1]["Action"] == statements[2]["Action"] == ["s3:GetObject"]
    plain = encode_to_dict(bootstrap_template())
    assert (
        len(plain["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"])
        == 1
    )


def test_bootstrap_refuses_malformed_trust_ids():
    result = CliRunner().invoke(cli, ["bootstrap", "--region", REGION, "--trust-account", "12345"])
    assert result.exit_code == 2
    assert "--trust-account takes 12-digit account ids" in result.stderr
