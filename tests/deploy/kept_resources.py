"""Kept resources made in the local moto server as CloudFormation made them (the
platform's tags, the retained-as tag, CloudFormation's own aws:cloudformation:* tags, which
moto lets a caller set) in nested stacks that were then deleted: for
tests/deploy/test_retained_survey.py."""

from __future__ import annotations

import functools
import json

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.retained import (
    KMS_KEY,
    LOG_GROUP,
    RETAINED_AS_TAG,
    SECRET,
    Retained,
    retained_resources,
)
from litellm_cfn.deploy.retained_survey import Survey, SurveyClients, survey
from litellm_cfn.spec import load_spec
from nested_stacks.base import PLATFORM_TAG
from tests.aws import REGION
from tests.conftest import REPO

PLATFORM = "litellm-prod"
STACKS = "arn:aws:cloudformation:us-east-1:123456789012:stack"
NESTED = ("VpcStack", "EksStack", "RdsStack", "CacheStack", "SecretsStack")


@functools.cache
def retained() -> tuple[Retained, ...]:
    compiled = compile_platform(load_spec(REPO / "specs" / "platform.yaml").spec)
    return tuple(retained_resources(compiled))


def the(qualified_id: str) -> Retained:
    (item,) = (item for item in retained() if item.qualified_id == qualified_id)
    return item


SECRETS_KEY = "SecretsStack/LitellmSecretsKey"
SALT_SECRET = "SecretsStack/LitellmSaltKeySecret"


def made_clients() -> SurveyClients:
    return SurveyClients(
        kms=aws_module.client("kms", REGION),
        secretsmanager=aws_module.client("secretsmanager", REGION),
        logs=aws_module.client("logs", REGION),
        tagging=aws_module.client("resourcegroupstaggingapi", REGION),
        cloudformation=aws_module.client("cloudformation", REGION),
    )


def surveyed(clients: SurveyClients) -> Survey:
    return survey(retained(), PLATFORM, clients)


def deleted_stacks(clients: SurveyClients) -> dict[str, str]:
    """Each nested stack's id, of a stack created and deleted as `destroy` leaves them."""
    body = json.dumps(
        {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    )
    ids = {}
    for nested in NESTED:
        name = f"{PLATFORM}-{nested}-1A2B3C4D5E6F"
        ids[nested] = clients.cloudformation.create_stack(StackName=name, TemplateBody=body)[
            "StackId"
        ]
        clients.cloudformation.delete_stack(StackName=ids[nested])
    return ids


def made_by_cloudformation(item: Retained, stack_id: str) -> dict[str, str]:
    """The tags CloudFormation gives a retained resource of the platform."""
    return {
        PLATFORM_TAG: PLATFORM,
        RETAINED_AS_TAG: item.qualified_id,
        "aws:cloudformation:stack-id": stack_id,
        "aws:cloudformation:stack-name": stack_id.split("/")[1],
        "aws:cloudformation:logical-id": item.logical_id,
    }


def kms_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": key, "TagValue": value} for key, value in tags.items()]


def make_key(clients: SurveyClients, tags: dict[str, str]) -> dict:
    return clients.kms.create_key(Tags=kms_tags(tags))["KeyMetadata"]


def keep_all(clients: SurveyClients, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Make every retained resource (but those in `skip`) as CloudFormation did, each named
    or keyed resource encrypted with its key; their physical ids by qualified id."""
    stacks = deleted_stacks(clients)
    physical: dict[str, str] = {}
    key_arns: dict[tuple[str, str], str] = {}
    for item in retained():
        if item.resource_type == KMS_KEY and item.qualified_id not in skip:
            key = make_key(clients, made_by_cloudformation(item, stacks[item.stack]))
            physical[item.qualified_id] = key["KeyId"]
            key_arns[(item.stack, item.logical_id)] = key["Arn"]
    for item in retained():
        if item.resource_type == KMS_KEY or item.qualified_id in skip:
            continue
        tags = made_by_cloudformation(item, stacks[item.stack])
        key_arn = key_arns[(item.stack, item.key)] if item.key else None
        physical[item.qualified_id] = make(clients, item, tags, key_arn)
    return physical


def make(clients: SurveyClients, item: Retained, tags: dict[str, str], key: str | None) -> str:
    """Make a secret or log group named as `item`, encrypted with `key`; its physical id."""
    encrypted = {"KmsKeyId": key} if key else {}
    if item.resource_type == SECRET:
        return str(
            clients.secretsmanager.create_secret(
                Name=item.name,
                SecretString="kept",
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                **encrypted,
            )["ARN"]
        )
    assert item.resource_type == LOG_GROUP
    log_encrypted = {"kmsKeyId": key} if key else {}
    clients.logs.create_log_group(logGroupName=item.name, tags=tags, **log_encrypted)
    return str(item.name)


def found_ids(result: Survey) -> dict[str, str]:
    return {found.retained.qualified_id: found.physical_id for found in result.found}
