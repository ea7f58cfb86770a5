"""`deploy --adopt-retained`: the steps that bring a destroyed platform's kept resources into
its new stacks.

CloudFormation is played back through botocore's Stubber with answers shaped like AWS's
(API reference: CreateChangeSet, DescribeChangeSet, ExecuteChangeSet, UpdateStack,
GetTemplate): moto implements no IMPORT change set (moto/cloudformation has no
ResourcesToImport) and cannot nest stacks wired by outputs. The Stubber checks each call's
parameters and order, so a call the flow should not make fails the test. What the account
holds comes from a Survey the test gives; finding it is tested against moto in
test_retained_survey.py.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

import litellm_cfn.deploy.adopt as adopt
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.adopt_templates import (
    NestedChild,
    import_template,
    nesting_root,
    placeholder_root,
    with_adopted_output,
)
from litellm_cfn.deploy.changesets import CAPABILITIES, Deployer
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.retained import retained_resources
from litellm_cfn.deploy.retained_survey import Found, Survey
from litellm_cfn.errors import LitellmCfnError, NeedsApproval
from tests.conftest import spec_from

REGION = "us-east-1"
ARN = f"arn:aws:cloudformation:{REGION}:123456789012"
ROOT = "litellm-prod"
ROOT_ID = f"{ARN}:stack/{ROOT}/0a1b"
SECRETS = "litellm-prod-SecretsStack"
SECRETS_ID = f"{ARN}:stack/{SECRETS}/2c3d"
IMPORT_CS = f"{ARN}:changeSet/litellm-cfn-import/4e5f"
ROOT_CS = f"{ARN}:changeSet/litellm-cfn-root/6a7b"
NEST_CS = f"{ARN}:changeSet/litellm-cfn-nest/8c9d"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:litellm/prod/litellm/"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)
CHILDREN = ("VpcStack", "EksStack", "RdsStack", "CacheStack", "SecretsStack")
TAGS = [{"Key": "litellm-cfn:platform", "Value": ROOT}]


def target_around(cfn: Any, s3: Any, answers: list[bool]) -> Target:
    spec = spec_from("name: litellm\n")
    console = Console(print, print, print, lambda q: answers.pop(0), str, lambda: True)
    return Target(
        spec,
        Path("platform.yaml"),
        REGION,
        Deployer(cfn, print, poll_seconds=0),
        cfn,
        s3,
        compile_platform(spec),
        console,
    )


def kept_secrets(target: Target) -> Survey:
    """The secrets stack's key and secrets were kept; nothing else was."""
    found, missing = [], []
    for resource in retained_resources(target.compiled):
        if resource.stack != "SecretsStack":
            missing.append(resource)
        elif resource.resource_type == "AWS::KMS::Key":
            found.append(Found(resource, KEY_ID))
        else:
            found.append(Found(resource, SECRET_ARN + resource.name.rsplit("/", 1)[1] + "-AbCdEf"))
    return Survey(tuple(found), tuple(missing), ())


def absent(stubber: Stubber, name: str) -> None:
    stubber.add_client_error(
        "describe_stacks",
        "ValidationError",
        f"Stack with id {name} does not exist",
        400,
        expected_params={"StackName": name},
    )


def described(stubber: Stubber, name: str, stack_id: str, status: str, asked: str = "") -> None:
    stack = {
        "StackName": name,
        "StackId": stack_id,
        "CreationTime": NOW,
        "StackStatus": status,
        "Tags": TAGS,
    }
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": asked or name})


def event(stack_id: str, logical: str, status: str, seconds: int) -> dict:
    return {
        "EventId": f"{logical}-{status}-{seconds}",
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "LogicalResourceId": logical,
        "PhysicalResourceId": stack_id,
        "ResourceType": "AWS::CloudFormation::Stack",
        "Timestamp": NOW + timedelta(seconds=seconds),
        "ResourceStatus": status,
    }


def ran(stubber: Stubber, name: str, stack_id: str, ended: str, start: dict | None) -> None:
    """An operation watched from the stack's last event until it ends `ended`: `start` is
    the call that starts it (ExecuteChangeSet or UpdateStack)."""
    before = event(stack_id, name, "REVIEW_IN_PROGRESS", 0)
    after = event(stack_id, name, ended, 5)
    stubber.add_response(
        "describe_stack_events", {"StackEvents": [before]}, {"StackName": stack_id}
    )
    if start is not None:
        stubber.add_response(start["operation"], start.get("response", {}), start["params"])
    stubber.add_response("describe_stack_events", {"StackEvents": [after, before]}, None)
    described(stubber, name, stack_id, ended, asked=stack_id)
    stubber.add_response("describe_stack_events", {"StackEvents": [after, before]}, None)


def change_set(
    stubber: Stubber,
    name: str,
    change_set_id: str,
    changes: list[dict],
    reviewed: bool = True,
    **params: Any,
) -> None:
    """The change set created, waited for, and (when `reviewed`) read for the review."""
    stubber.add_response(
        "create_change_set", {"Id": change_set_id, "StackId": name}, {"StackName": name, **params}
    )
    described_change_set = {
        "ChangeSetId": change_set_id,
        "ChangeSetName": "litellm-cfn",
        "StackName": name,
        "Status": "CREATE_COMPLETE",
        "ExecutionStatus": "AVAILABLE",
        "Changes": changes,
    }
    for _ in range(2 if reviewed else 1):
        stubber.add_response(
            "describe_change_set", described_change_set, {"ChangeSetName": change_set_id}
        )


def imported(logical: str, kind: str) -> dict:
    return {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Import",
            "LogicalResourceId": logical,
            "ResourceType": kind,
            "Details": [],
        },
    }


def import_params(body: str, to_import: list[dict]) -> dict:
    return {
        "ChangeSetName": ANY,
        "ChangeSetType": "IMPORT",
        "Capabilities": CAPABILITIES,
        "IncludeNestedStacks": False,
        "Tags": TAGS,
        "Description": "created by litellm-cfn",
        "TemplateBody": body,
        "ResourcesToImport": to_import,
    }


def secrets_import(target: Target) -> tuple[str, list[dict], list[dict]]:
    secrets = next(n for n in target.compiled.nested if n.logical_id == "SecretsStack")
    survey = kept_secrets(target)
    ids = [f.retained.logical_id for f in survey.found]
    to_import = [
        {
            "ResourceType": f.retained.resource_type,
            "LogicalResourceId": f.retained.logical_id,
            "ResourceIdentifier": f.identifier,
        }
        for f in survey.found
    ]
    changes = [imported(f.retained.logical_id, f.retained.resource_type) for f in survey.found]
    return to_yaml(import_template(secrets, ids)), to_import, changes


def own_stack_made(stubber: Stubber, target: Target) -> None:
    """Step 1 for the secrets stack: the import, then the output that moves it on."""
    body, to_import, changes = secrets_import(target)
    absent(stubber, SECRETS)  # no change set left for review
    change_set(stubber, SECRETS, IMPORT_CS, changes, **import_params(body, to_import))
    described(stubber, SECRETS, SECRETS_ID, "REVIEW_IN_PROGRESS")
    execute = {"operation": "execute_change_set", "params": {"ChangeSetName": IMPORT_CS}}
    ran(stubber, SECRETS, SECRETS_ID, "IMPORT_COMPLETE", execute)
    summaries = [
        {
            "LogicalResourceId": change["ResourceChange"]["LogicalResourceId"],
            "ResourceType": change["ResourceChange"]["ResourceType"],
            "LastUpdatedTimestamp": NOW,
            "ResourceStatus": "IMPORT_COMPLETE",
        }
        for change in changes
    ]
    output_added(stubber, target, [s["LogicalResourceId"] for s in summaries])


def output_added(stubber: Stubber, target: Target, held: list[str]) -> None:
    """The update that adds the AdoptedInto output to the secrets stack, which holds `held`."""
    summaries = [
        {
            "LogicalResourceId": logical,
            "ResourceType": "AWS::KMS::Key",
            "LastUpdatedTimestamp": NOW,
            "ResourceStatus": "IMPORT_COMPLETE",
        }
        for logical in held
    ]
    stubber.add_response(
        "list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": SECRETS}
    )
    described(stubber, SECRETS, SECRETS_ID, "IMPORT_COMPLETE")
    secrets = next(n for n in target.compiled.nested if n.logical_id == "SecretsStack")
    ids = sorted(held)
    updated = to_yaml(with_adopted_output(import_template(secrets, ids), ROOT))
    update = {
        "operation": "update_stack",
        "response": {"StackId": SECRETS_ID},
        "params": {"StackName": SECRETS, "TemplateBody": updated},
    }
    ran(stubber, SECRETS, SECRETS_ID, "UPDATE_COMPLETE", update)


def root_made(stubber: Stubber) -> None:
    """Step 2a: the root, around its placeholder."""
    absent(stubber, ROOT)
    placeholder = [imported("AdoptionPlaceholder", "AWS::CloudFormation::WaitConditionHandle")]
    placeholder[0]["ResourceChange"]["Action"] = "Add"
    change_set(
        stubber,
        ROOT,
        ROOT_CS,
        placeholder,
        reviewed=False,
        ChangeSetType="CREATE",
        ChangeSetName=ANY,
        Capabilities=CAPABILITIES,
        IncludeNestedStacks=True,
        Tags=[],
        Description="created by litellm-cfn",
        TemplateBody=ANY,
    )
    described(stubber, ROOT, ROOT_ID, "REVIEW_IN_PROGRESS")
    execute = {"operation": "execute_change_set", "params": {"ChangeSetName": ROOT_CS}}
    ran(stubber, ROOT, ROOT_ID, "CREATE_COMPLETE", execute)


def nested_in_root(stubber: Stubber, s3: Stubber, body: str, target: Target) -> None:
    """Step 2b: the root imports the secrets stack, with its template (uploaded as the stack
    has it) and its tags."""
    key = f"{ROOT}/{hashlib.sha256(body.encode()).hexdigest()}.yaml"
    described(stubber, SECRETS, SECRETS_ID, "UPDATE_COMPLETE")
    stubber.add_response(
        "get_template",
        {"TemplateBody": body},
        {"StackName": SECRETS, "TemplateStage": "Original"},
    )
    s3.add_client_error(
        "head_object", "404", "Not Found", 404, expected_params={"Bucket": "artifacts", "Key": key}
    )
    s3.add_response(
        "put_object",
        {},
        {"Bucket": "artifacts", "Key": key, "Body": body.encode(), "ContentType": ANY},
    )
    description = str(target.compiled.root.to_dict()["Description"])
    child = NestedChild(
        f"https://artifacts.s3.{REGION}.amazonaws.com/{key}", {t["Key"]: t["Value"] for t in TAGS}
    )
    nesting = to_yaml(nesting_root(placeholder_root(description), {"SecretsStack": child}))
    described(stubber, ROOT, ROOT_ID, "CREATE_COMPLETE")
    stubber.add_client_error(
        "describe_change_set", "ChangeSetNotFound", "ChangeSet litellm-cfn does not exist", 404
    )
    to_import = [
        {
            "ResourceType": "AWS::CloudFormation::Stack",
            "LogicalResourceId": "SecretsStack",
            "ResourceIdentifier": {"StackId": SECRETS_ID},
        }
    ]
    params = import_params(nesting, to_import) | {"Tags": []}
    change_set(
        stubber, ROOT, NEST_CS, [imported("SecretsStack", "AWS::CloudFormation::Stack")], **params
    )
    described(stubber, ROOT, ROOT_ID, "CREATE_COMPLETE")
    execute = {"operation": "execute_change_set", "params": {"ChangeSetName": NEST_CS}}
    ran(stubber, ROOT, ROOT_ID, "IMPORT_COMPLETE", execute)


def stages_read(stubber: Stubber, secrets_stack: str | None = None) -> None:
    """No root; no stack of its own, or the secrets stack's in `secrets_stack`."""
    absent(stubber, ROOT)
    for child in CHILDREN:
        if child == "SecretsStack" and secrets_stack is not None:
            described(stubber, SECRETS, SECRETS_ID, secrets_stack)
        else:
            absent(stubber, f"{ROOT}-{child}")


def clients() -> tuple[Any, Any]:
    return (
        boto3.client("cloudformation", region_name=REGION),
        boto3.client("s3", region_name=REGION),
    )


def test_kept_secrets_are_imported_into_their_own_stack_then_nested_into_a_new_root(
    monkeypatch, capsys
):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [True])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        absent(stubber, ROOT)  # the root's stage
        for child in CHILDREN:
            absent(stubber, f"{ROOT}-{child}")
        own_stack_made(stubber, target)
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, "the secrets stack's template", target)
        assert adopt.adopt_retained(target, "artifacts", yes=False, plan_only=False) is True
        stubber.assert_no_pending_responses()
        s3_stubber.assert_no_pending_responses()
    shown = capsys.readouterr().out
    assert "SecretsStack -> litellm-prod-SecretsStack" in shown
    assert (
        f"import LitellmSaltKeySecret (AWS::SecretsManager::Secret) {SECRET_ARN}salt-key" in shown
    )
    assert f"import LitellmSecretsKey (AWS::KMS::Key) {KEY_ID}" in shown
    assert "  RdsStack: nothing kept was found; created with the rest" in shown
    assert "secrets not found get a new value: RdsStack/DbConnectionSecret" in shown


def test_the_plan_alone_changes_nothing(monkeypatch, capsys):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=True) is False
        stubber.assert_no_pending_responses()
    assert "nothing was imported (--no-execute)" in capsys.readouterr().out


def test_problems_refuse_the_adoption_before_anything_is_created(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    problem = "SecretsStack/LitellmSecretsKey: key 1234 is pending deletion; cancel it"
    refused = Survey((), (), (problem,))
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: refused)
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        with pytest.raises(LitellmCfnError, match="refusing to adopt until these are resolved"):
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()


def test_a_no_at_the_question_creates_nothing(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [False])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        with pytest.raises(NeedsApproval):
            adopt.adopt_retained(target, "artifacts", yes=False, plan_only=False)
        stubber.assert_no_pending_responses()


def test_a_stack_of_its_own_whose_move_rolled_back_is_moved_again(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: Survey((), tuple(retained), ()))
    body, _, changes = secrets_import(target)
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        stages_read(stubber, "UPDATE_ROLLBACK_COMPLETE")
        output_added(stubber, target, [c["ResourceChange"]["LogicalResourceId"] for c in changes])
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, body, target)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()


def test_a_stack_of_its_own_in_another_state_is_named_with_how_to_clear_it(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    with Stubber(cfn) as stubber:
        absent(stubber, ROOT)
        absent(stubber, f"{ROOT}-VpcStack")
        absent(stubber, f"{ROOT}-EksStack")
        described(stubber, f"{ROOT}-RdsStack", SECRETS_ID, "IMPORT_ROLLBACK_COMPLETE")
        with pytest.raises(LitellmCfnError) as caught:
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()
    assert str(caught.value) == (
        "litellm-prod-RdsStack, a stack an earlier adoption made, is IMPORT_ROLLBACK_COMPLETE: "
        "what it imported is kept (DeletionPolicy Retain); delete it (aws cloudformation "
        "delete-stack --stack-name litellm-prod-RdsStack) and deploy with --adopt-retained again"
    )


def test_a_rerun_after_the_own_stacks_were_made_goes_on_with_the_root(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    surveyed: list[list] = []
    monkeypatch.setattr(
        adopt,
        "_survey",
        lambda t, retained: surveyed.append(list(retained)) or Survey((), tuple(retained), ()),
    )
    with Stubber(cfn) as stubber, Stubber(s3) as s3_stubber:
        stages_read(stubber, "UPDATE_COMPLETE")
        root_made(stubber)
        nested_in_root(stubber, s3_stubber, "the secrets stack's template", target)
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()
    # What the secrets stack holds is not looked for again: it is in a stack now.
    assert all(r.stack != "SecretsStack" for r in surveyed[0])


@pytest.mark.parametrize(
    ("resources", "said"),
    [
        (["AdoptionPlaceholder", "SecretsStack"], "adopted its kept resources already"),
        (["VpcStack", "SecretsStack"], "exists: nothing to adopt"),
    ],
)
def test_a_root_past_the_imports_goes_straight_to_the_deploy(resources, said, capsys):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    summaries = [
        {
            "LogicalResourceId": logical,
            "PhysicalResourceId": SECRETS_ID if logical.endswith("Stack") else "handle",
            "ResourceType": "AWS::CloudFormation::Stack"
            if logical.endswith("Stack")
            else "AWS::CloudFormation::WaitConditionHandle",
            "LastUpdatedTimestamp": NOW,
            "ResourceStatus": "IMPORT_COMPLETE",
        }
        for logical in resources
    ]
    with Stubber(cfn) as stubber:
        described(stubber, ROOT, ROOT_ID, "IMPORT_COMPLETE")
        for _ in range(2 if "AdoptionPlaceholder" in resources else 1):
            stubber.add_response(
                "list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": ROOT}
            )
        assert adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False) is True
        stubber.assert_no_pending_responses()
    assert said in capsys.readouterr().out


def test_an_import_change_set_doing_anything_else_is_refused_and_deleted(monkeypatch):
    cfn, s3 = clients()
    target = target_around(cfn, s3, [])
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    body, to_import, changes = secrets_import(target)
    changes[0]["ResourceChange"]["Action"] = "Add"
    with Stubber(cfn) as stubber:
        stages_read(stubber)
        absent(stubber, SECRETS)
        change_set(stubber, SECRETS, IMPORT_CS, changes, **import_params(body, to_import))
        stubber.add_response("delete_change_set", {}, {"ChangeSetName": IMPORT_CS})
        described(stubber, SECRETS, SECRETS_ID, "REVIEW_IN_PROGRESS")
        stubber.add_response("delete_stack", {}, {"StackName": SECRETS})
        with pytest.raises(LitellmCfnError, match="it would do Add LitellmSecretsKey and not"):
            adopt.adopt_retained(target, "artifacts", yes=True, plan_only=False)
        stubber.assert_no_pending_responses()


def test_deploy_adopt_retained_no_execute_shows_the_plan_and_exits_0(monkeypatch):
    from click.testing import CliRunner

    import litellm_cfn.deploy.aws as aws_module
    from litellm_cfn.cli import cli
    from tests.conftest import REPO

    cfn, _ = clients()
    monkeypatch.setattr(aws_module, "client", lambda *args, **kwargs: cfn)
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.setattr(adopt, "_survey", lambda t, retained: kept_secrets(t))
    spec = str(REPO / "specs" / "platform.yaml")
    with Stubber(cfn) as stubber:
        absent(stubber, ROOT)  # deploy: did it fail to create?
        absent(stubber, ROOT)  # adoption: its stage
        for child in CHILDREN:
            absent(stubber, f"{ROOT}-{child}")
        result = CliRunner().invoke(cli, ["deploy", spec, "--adopt-retained", "--no-execute"])
        assert result.exit_code == 0, result.output
        stubber.assert_no_pending_responses()
    assert "SecretsStack -> litellm-prod-SecretsStack" in result.output
    assert "nothing was imported (--no-execute)" in result.output
