"""The CloudFormation answers `deploy --adopt-retained` is played back against (botocore's
Stubber, shaped like the API reference's), step by step, for tests/deploy/test_adopt.py:
moto implements no IMPORT change set."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.adopt_templates import (
    NestedChild,
    import_template,
    nesting_root,
    placeholder_root,
)
from litellm_cfn.deploy.changesets import CAPABILITIES, Deployer
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.retained import retained_resources
from litellm_cfn.deploy.retained_survey import Found, Survey
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
    """Step 1 for the secrets stack: the import, then the tag that moves it on."""
    body, to_import, changes = secrets_import(target)
    absent(stubber, SECRETS)  # no change set left for review
    change_set(stubber, SECRETS, IMPORT_CS, changes, **import_params(body, to_import))
    described(stubber, SECRETS, SECRETS_ID, "REVIEW_IN_PROGRESS")
    execute = {"operation": "execute_change_set", "params": {"ChangeSetName": IMPORT_CS}}
    ran(stubber, SECRETS, SECRETS_ID, "IMPORT_COMPLETE", execute)
    tagged_as_adopted(stubber)


def tagged_as_adopted(stubber: Stubber) -> None:
    """The update of the secrets stack's tags alone (same template) that moves it on."""
    described(stubber, SECRETS, SECRETS_ID, "IMPORT_COMPLETE")
    tags = sorted(
        [*TAGS, {"Key": "litellm-cfn:adopted-into", "Value": ROOT}], key=lambda t: t["Key"]
    )
    update = {
        "operation": "update_stack",
        "response": {"StackId": SECRETS_ID},
        "params": {"StackName": SECRETS, "UsePreviousTemplate": True, "Tags": tags},
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
