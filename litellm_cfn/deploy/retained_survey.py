"""Find in an account what a destroyed platform kept (its retained KMS keys, secrets and log
groups) and say which of them `deploy --adopt-retained` can import. Read-only.

AWS behaviour relied on, by page:
- DeletedDate while scheduled for deletion; KmsKeyId an ARN or alias:
  https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
- Prefix match, nextToken pages, kmsKeyId an ARN; tag calls take the ARN without its `:*`:
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
- Pages until PaginationToken comes back empty:
  https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
- Only an Enabled key is usable; CancelKeyDeletion leaves a key Disabled:
  https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
- CloudFormation tags what it makes with aws:cloudformation:logical-id, stack-id, stack-name:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from litellm_cfn.deploy.aws import described_stack
from litellm_cfn.deploy.retained import KMS_KEY, LOG_GROUP, RETAINED_AS_TAG, SECRET, Retained
from nested_stacks.base import PLATFORM_TAG

__all__ = ["Found", "Survey", "SurveyClients", "survey"]

STACK_ID_TAG, STACK_NAME_TAG = "aws:cloudformation:stack-id", "aws:cloudformation:stack-name"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
KEY_STATES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"
# How to delete a kept resource whose data no key can decrypt any more.
DELETE_COMMAND = {
    SECRET: "aws secretsmanager delete-secret --force-delete-without-recovery --secret-id {}",
    LOG_GROUP: "aws logs delete-log-group --log-group-name {}",
}


@dataclass(frozen=True)
class Found:
    """A retained resource that can be imported: a key id, a secret ARN, a log group name."""

    retained: Retained
    physical_id: str

    @property
    def identifier(self) -> dict[str, str]:
        """Its ResourceIdentifier in an IMPORT change set."""
        return self.retained.import_identifier(self.physical_id)


@dataclass(frozen=True)
class Survey:
    """Each retained resource, in the order given, is found (importable), missing (will be
    created new), or named by one problem; any problem refuses adoption."""

    found: tuple[Found, ...]
    missing: tuple[Retained, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SurveyClients:
    """The clients the survey reads through (tagging is `resourcegroupstaggingapi`)."""

    kms: Any
    secretsmanager: Any
    logs: Any
    tagging: Any
    cloudformation: Any


Outcome: TypeAlias = "Found | str | None"  # found, a problem, or missing
KeyMetadata: TypeAlias = dict[str, Any]  # DescribeKey's
Tags: TypeAlias = dict[str, str]


def survey(retained: Sequence[Retained], platform: str, clients: SurveyClients) -> Survey:
    """Find each retained resource of the platform (its root stack's name) in the account."""
    outcomes: dict[Retained, Outcome] = {}
    # Per (stack, key's logical id): the customer keys that its kept data is encrypted with.
    decrypting: dict[tuple[str, str], dict[str, KeyMetadata]] = {}
    for item in retained:
        if item.resource_type != KMS_KEY:
            outcomes[item], key = _named(item, clients)
            if key is not None and item.key is not None:
                decrypting.setdefault((item.stack, item.key), {})[key["KeyId"]] = key
    candidates = {
        found["ResourceARN"]: _tag_dict(found.get("Tags", []))
        for page in clients.tagging.get_paginator("get_resources").paginate(
            TagFilters=[{"Key": PLATFORM_TAG, "Values": [platform]}],
            ResourceTypeFilters=["kms:key"],
        )
        for found in page["ResourceTagMappingList"]
    }
    for item in retained:
        if item.resource_type == KMS_KEY:
            pinned = list(decrypting.get((item.stack, item.logical_id), {}).values())
            tagged = _tagged_as(item, platform, candidates, clients.kms)
            outcomes[item] = _key(item, pinned, tagged, clients)
    in_order = [(item, outcomes[item]) for item in retained]
    return Survey(
        found=tuple(outcome for _, outcome in in_order if isinstance(outcome, Found)),
        missing=tuple(item for item, outcome in in_order if outcome is None),
        problems=tuple(outcome for _, outcome in in_order if isinstance(outcome, str)),
    )


@dataclass(frozen=True)
class _Kept:
    """A secret or log group in the account: its physical id, the key it reports, its tags."""

    physical_id: str
    kms_key_id: str | None
    tags: Tags
    problem: str | None = None


def _named(item: Retained, clients: SurveyClients) -> tuple[Outcome, KeyMetadata | None]:
    """A secret's or log group's outcome, and the customer key its data is encrypted with."""
    kept = _secret(item, clients) if item.resource_type == SECRET else _log_group(item, clients)
    if kept is None:
        return None, None
    key = _describe_key(clients.kms, kept.kms_key_id) if item.key and kept.kms_key_id else None
    where = f"{item.qualified_id} ({kept.physical_id})"
    problem = kept.problem or _stack_problem(where, kept.tags, clients.cloudformation)
    if not problem and item.key and kept.kms_key_id and key is None:
        problem = (
            f"{where} is encrypted with KMS key {kept.kms_key_id}, which was not found, so its "
            f"data cannot be decrypted: delete it "
            f"({DELETE_COMMAND[item.resource_type].format(kept.physical_id)}) and rerun"
        )
    customer_key = key if key is not None and key["KeyManager"] == "CUSTOMER" else None
    return problem or Found(item, kept.physical_id), customer_key


def _secret(item: Retained, clients: SurveyClients) -> _Kept | None:
    describe = clients.secretsmanager.describe_secret
    secret = _unless("ResourceNotFoundException", describe, SecretId=item.name)
    if secret is None:
        return None
    problem = None
    if "DeletedDate" in secret:
        problem = (
            f"{item.qualified_id} ({secret['ARN']}) is scheduled for deletion; restore it: "
            f"aws secretsmanager restore-secret --secret-id {item.name}"
        )
    return _Kept(secret["ARN"], secret.get("KmsKeyId"), _tag_dict(secret.get("Tags", [])), problem)


def _log_group(item: Retained, clients: SurveyClients) -> _Kept | None:
    pages = clients.logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=item.name)
    for group in (group for page in pages for group in page["logGroups"]):
        if group["logGroupName"] == item.name:
            arn = group["arn"].removesuffix(":*")
            tags = clients.logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
            return _Kept(group["logGroupName"], group.get("kmsKeyId"), tags)
    return None


def _tagged_as(
    item: Retained, platform: str, candidates: dict[str, Tags], kms: Any
) -> list[KeyMetadata]:
    """The customer keys whose tags say they are `item`."""
    matching = [arn for arn, tags in candidates.items() if _matches(item, platform, tags)]
    keys = [_describe_key(kms, arn) for arn in matching]
    return [key for key in keys if key is not None and key["KeyManager"] == "CUSTOMER"]


def _matches(item: Retained, platform: str, tags: Tags) -> bool:
    """Whether a key's tags say it is `item`: its retained-as tag, or else the tags
    CloudFormation gave it (nested stacks are named <root>-<NestedLogicalId>-<suffix>)."""
    if RETAINED_AS_TAG in tags:
        return tags[RETAINED_AS_TAG] == item.qualified_id
    stack_name = tags.get(STACK_NAME_TAG, "")
    return tags.get(LOGICAL_ID_TAG) == item.logical_id and stack_name.startswith(
        f"{platform}-{item.stack}-"
    )


def _key(
    item: Retained, pinned: list[KeyMetadata], tagged: list[KeyMetadata], clients: SurveyClients
) -> Outcome:
    """A retained key: the one its kept data is encrypted with, else the one tagged as it
    (among several, one pending deletion is one the user has set aside)."""
    keys = pinned or [key for key in tagged if key["KeyState"] != "PendingDeletion"] or tagged
    if len(keys) > 1:
        return _several(item, keys, pinned=bool(pinned))
    return _usable(item, keys[0], clients) if keys else None


def _several(item: Retained, keys: list[KeyMetadata], pinned: bool) -> str:
    listed = ", ".join(
        f"{key['KeyId']} (created {key['CreationDate'].isoformat()}, {key['KeyState']})"
        for key in sorted(keys, key=lambda key: (key["CreationDate"], key["KeyId"]))
    )
    if pinned:
        return (
            f"{item.qualified_id}: what it encrypts is encrypted with several KMS keys, {listed}; "
            "re-encrypt it all with one (aws secretsmanager update-secret --kms-key-id ID, "
            "aws logs associate-kms-key --kms-key-id ARN) and rerun"
        )
    return (
        f"{item.qualified_id} matches several KMS keys: {listed}; schedule deletion of the ones "
        "not wanted (aws kms schedule-key-deletion --key-id ID) or remove their tag "
        f"(aws kms untag-resource --key-id ID --tag-keys {PLATFORM_TAG}), and rerun"
    )


def _usable(item: Retained, key: KeyMetadata, clients: SurveyClients) -> Outcome:
    """The key, found, if it is Enabled and no live stack manages it."""
    key_id, state = key["KeyId"], key["KeyState"]
    where = f"{item.qualified_id} (KMS key {key_id})"
    if state == "PendingDeletion":
        return (
            f"{where} is pending deletion; cancel that and enable it: aws kms "
            f"cancel-key-deletion --key-id {key_id}, then aws kms enable-key --key-id {key_id}"
        )
    if state == "Disabled":
        return f"{where} is disabled; enable it: aws kms enable-key --key-id {key_id}"
    if state != "Enabled":
        return f"{where} is {state}: only an Enabled key can be adopted (see {KEY_STATES})"
    pages = clients.kms.get_paginator("list_resource_tags").paginate(KeyId=key_id)
    tags = {tag["TagKey"]: tag["TagValue"] for page in pages for tag in page["Tags"]}
    return _stack_problem(where, tags, clients.cloudformation) or Found(item, key_id)


def _stack_problem(where: str, tags: Tags, cloudformation: Any) -> str | None:
    """A problem if the stack that made the resource still exists: CloudFormation imports
    only what no stack manages."""
    stack_id = tags.get(STACK_ID_TAG)
    stack = described_stack(cloudformation, stack_id) if stack_id else None
    if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
        return None
    return (
        f"{where} still belongs to stack {stack['StackName']} ({stack['StackStatus']}), and "
        "only what no stack manages can be imported: once that stack's template retains it "
        f"(DeletionPolicy: Retain), delete the stack: aws cloudformation delete-stack "
        f"--stack-name {stack['StackName']}"
    )


def _describe_key(kms: Any, key_id: str) -> KeyMetadata | None:
    """DescribeKey's KeyMetadata for a key id, ARN or alias; None if there is no such key."""
    described = _unless("NotFoundException", kms.describe_key, KeyId=key_id)
    return described["KeyMetadata"] if described else None


def _unless(code: str, call: Callable[..., Any], **params: Any) -> dict[str, Any] | None:
    """`call(**params)`'s answer, or None when AWS answers `code`, its word for "not there"."""
    from botocore.exceptions import ClientError

    try:
        return dict(call(**params))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == code:
            return None
        raise


def _tag_dict(tags: list[dict[str, str]]) -> Tags:
    return {tag["Key"]: tag["Value"] for tag in tags}
