"""Finding what a destroyed platform kept, against the local moto server: the retained
resources of specs/platform.yaml, made as CloudFormation made them (kept_resources.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from botocore.exceptions import ClientError

from litellm_cfn.deploy.retained import RETAINED_AS_TAG
from litellm_cfn.deploy.retained_survey import Found, Survey, SurveyClients
from nested_stacks.base import PLATFORM_TAG
from tests.aws import answer_first
from tests.deploy.kept_resources import (
    PLATFORM,
    SALT_SECRET,
    SECRETS_KEY,
    STACKS,
    found_ids,
    keep_all,
    made_clients,
    make,
    make_key,
    retained,
    surveyed,
    the,
)


@pytest.fixture
def clients(aws) -> SurveyClients:
    """Clients of the local moto server, made as the tool makes them."""
    return made_clients()


def test_everything_kept_is_found_in_order_with_its_import_identifier(clients):
    physical = keep_all(clients)

    result = surveyed(clients)

    assert result == Survey(
        found=tuple(Found(item, physical[item.qualified_id]) for item in retained()),
        missing=(),
        problems=(),
    )
    assert physical[SALT_SECRET].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:litellm/prod/litellm/salt-key-"
    )
    by_id = {found.retained.qualified_id: found for found in result.found}
    assert by_id[SALT_SECRET].identifier == {"Id": physical[SALT_SECRET]}
    assert by_id[SECRETS_KEY].identifier == {"KeyId": physical[SECRETS_KEY]}
    assert by_id["VpcStack/FlowLogsLogGroup"].identifier == {
        "LogGroupName": "/litellm/prod/vpc-flow-logs"
    }
    assert len(physical[SECRETS_KEY]) == 36  # a key id (uuid), not its ARN


def test_nothing_kept_leaves_everything_missing(clients):
    assert surveyed(clients) == Survey(found=(), missing=retained(), problems=())


def test_what_was_not_kept_is_missing_and_the_rest_found(clients):
    physical = keep_all(clients, skip=("EksStack/NodeVolumeKey", SALT_SECRET))

    result = surveyed(clients)

    assert result.missing == (the("EksStack/NodeVolumeKey"), the(SALT_SECRET))
    assert result.problems == ()
    assert found_ids(result) == physical


def test_a_log_group_whose_name_only_starts_the_same_is_missing(clients):
    flow_logs = the("VpcStack/FlowLogsLogGroup")
    clients.logs.create_log_group(logGroupName=f"{flow_logs.name}-old")

    assert surveyed(clients) == Survey(found=(), missing=retained(), problems=())


def test_a_key_pending_deletion_is_a_problem_saying_how_to_get_it_back(clients):
    physical = keep_all(clients)
    key_id = physical[SECRETS_KEY]
    clients.kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)

    result = surveyed(clients)

    assert result.problems == (
        f"{SECRETS_KEY} (KMS key {key_id}) is pending deletion; cancel that and enable it: "
        f"aws kms cancel-key-deletion --key-id {key_id}, then aws kms enable-key --key-id {key_id}",
    )
    assert result.missing == ()
    assert found_ids(result) == {k: v for k, v in physical.items() if k != SECRETS_KEY}


def test_a_disabled_key_is_a_problem_saying_how_to_enable_it(clients):
    physical = keep_all(clients)
    key_id = physical["RdsStack/DatabaseKey"]
    clients.kms.disable_key(KeyId=key_id)

    result = surveyed(clients)

    assert result.problems == (
        f"RdsStack/DatabaseKey (KMS key {key_id}) is disabled; enable it: "
        f"aws kms enable-key --key-id {key_id}",
    )
    assert "RdsStack/DatabaseKey" not in found_ids(result)


def test_two_keys_tagged_as_one_are_a_problem_listing_both(clients):
    item = the("EksStack/SecretsKey")
    tags = {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: item.qualified_id}
    first, second = make_key(clients, tags), make_key(clients, tags)

    result = surveyed(clients)

    listed = ", ".join(
        f"{key['KeyId']} (created {key['CreationDate'].isoformat()}, Enabled)"
        for key in (first, second)
    )
    assert first["CreationDate"] < second["CreationDate"]
    assert result.problems == (
        f"EksStack/SecretsKey matches several KMS keys: {listed}; schedule deletion of the ones "
        "not wanted (aws kms schedule-key-deletion --key-id ID) or remove their tag "
        f"(aws kms untag-resource --key-id ID --tag-keys {PLATFORM_TAG}), and rerun",
    )
    assert result.found == ()
    assert item not in result.missing


def test_of_two_keys_tagged_as_one_the_one_not_pending_deletion_is_chosen(clients):
    tags = {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: "EksStack/SecretsKey"}
    unwanted, wanted = make_key(clients, tags), make_key(clients, tags)
    clients.kms.schedule_key_deletion(KeyId=unwanted["KeyId"], PendingWindowInDays=7)

    result = surveyed(clients)

    assert result.found == (Found(the("EksStack/SecretsKey"), wanted["KeyId"]),)
    assert result.problems == ()


def test_of_two_keys_tagged_as_one_the_one_a_kept_secret_is_encrypted_with_is_chosen(clients):
    physical = keep_all(clients)
    tags = {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: SECRETS_KEY}
    make_key(clients, tags)  # a second key tagged as the secrets' key, newer and unused

    result = surveyed(clients)

    assert result.problems == ()
    assert found_ids(result) == physical


def test_an_untagged_key_a_kept_secret_names_by_alias_wins_over_a_tagged_one(clients):
    salt = the(SALT_SECRET)
    decrypting = clients.kms.create_key()["KeyMetadata"]  # made by hand: no tags at all
    clients.kms.create_alias(AliasName="alias/kept-salt", TargetKeyId=decrypting["KeyId"])
    make_key(clients, {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: SECRETS_KEY})
    arn = make(clients, salt, {PLATFORM_TAG: PLATFORM}, "alias/kept-salt")

    result = surveyed(clients)

    assert result.found == (
        Found(the(SECRETS_KEY), decrypting["KeyId"]),
        Found(salt, arn),
    )
    assert result.problems == ()


def test_a_secret_scheduled_for_deletion_is_a_problem_saying_how_to_restore_it(clients):
    physical = keep_all(clients)
    salt = the(SALT_SECRET)
    clients.secretsmanager.delete_secret(SecretId=salt.name, RecoveryWindowInDays=7)

    result = surveyed(clients)

    assert result.problems == (
        f"{SALT_SECRET} ({physical[SALT_SECRET]}) is scheduled for deletion; restore it: "
        "aws secretsmanager restore-secret --secret-id litellm/prod/litellm/salt-key",
    )
    assert salt not in result.missing
    assert found_ids(result) == {k: v for k, v in physical.items() if k != SALT_SECRET}


def test_a_key_without_the_retained_as_tag_is_found_by_cloudformations_tags(clients):
    item = the("CacheStack/CacheKey")
    cloudformation_only = {
        PLATFORM_TAG: PLATFORM,
        "aws:cloudformation:stack-name": f"{PLATFORM}-CacheStack-1QW2ER3TY4",
        # CloudFormation's stack id, of a stack this account never had: "does not exist".
        "aws:cloudformation:stack-id": f"{STACKS}/{PLATFORM}-CacheStack-1QW2ER3TY4/3c1d",
        "aws:cloudformation:logical-id": "CacheKey",
    }
    key = make_key(clients, cloudformation_only)
    for other_stack in (f"{PLATFORM}-EksStack-9ZX8", f"{PLATFORM}-staging-CacheStack-7UI6"):
        make_key(clients, cloudformation_only | {"aws:cloudformation:stack-name": other_stack})
    logs_key = make_key(
        clients, cloudformation_only | {"aws:cloudformation:logical-id": "CacheLogsKey"}
    )

    result = surveyed(clients)

    assert result.found == (
        Found(item, key["KeyId"]),
        Found(the("CacheStack/CacheLogsKey"), logs_key["KeyId"]),
    )
    assert result.problems == ()


def test_a_kept_secret_whose_key_is_gone_is_a_problem(clients):
    salt = the(SALT_SECRET)
    gone = "arn:aws:kms:us-east-1:123456789012:key/0b5c8a5e-3f3e-4c55-9d6c-d3b0e1f1a001"
    arn = make(clients, salt, {PLATFORM_TAG: PLATFORM}, gone)

    result = surveyed(clients)

    assert result.problems == (
        f"{SALT_SECRET} ({arn}) is encrypted with KMS key {gone}, which was not found, so its "
        "data cannot be decrypted: delete it (aws secretsmanager delete-secret "
        f"--force-delete-without-recovery --secret-id {arn}) and rerun",
    )
    assert result.found == ()
    assert result.missing == tuple(item for item in retained() if item != salt)


def test_a_resource_of_a_stack_that_still_exists_is_a_problem_until_it_is_deleted(clients):
    body = json.dumps(
        {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    )
    stack_name = f"{PLATFORM}-SecretsStack-5RT6YU"
    stack_id = clients.cloudformation.create_stack(StackName=stack_name, TemplateBody=body)[
        "StackId"
    ]
    salt = the(SALT_SECRET)
    arn = make(clients, salt, {"aws:cloudformation:stack-id": stack_id}, None)

    assert surveyed(clients).problems == (
        f"{SALT_SECRET} ({arn}) still belongs to stack {stack_name} (CREATE_COMPLETE), and "
        "only what no stack manages can be imported: once that stack's template retains it "
        f"(DeletionPolicy: Retain), delete the stack: aws cloudformation delete-stack "
        f"--stack-name {stack_name}",
    )
    clients.cloudformation.delete_stack(StackName=stack_name)
    assert surveyed(clients).found == (Found(salt, arn),)


def test_tagged_keys_are_read_across_pages(clients):
    """GetResources answers at most 100 tags a page (TagsPerPage): 60 keys of 3 tags each
    take two pages, and the key looked for is made last."""
    for number in range(60):
        make_key(clients, {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: f"Other/Key{number}", "n": ""})
    item = the("RdsStack/DatabaseLogsKey")
    key = make_key(clients, {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: item.qualified_id})
    first_page = clients.tagging.get_resources(
        TagFilters=[{"Key": PLATFORM_TAG, "Values": [PLATFORM]}], ResourceTypeFilters=["kms:key"]
    )
    assert first_page.get("PaginationToken")
    assert key["Arn"] not in [
        found["ResourceARN"] for found in first_page["ResourceTagMappingList"]
    ]

    assert surveyed(clients).found == (Found(item, key["KeyId"]),)


def test_an_aws_error_other_than_not_found_is_raised(clients, monkeypatch):
    denied = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
    answer_first(monkeypatch, "secretsmanager.DescribeSecret", [denied])
    refusing = dataclasses.replace(clients, secretsmanager=made_clients().secretsmanager)

    with pytest.raises(ClientError, match="AccessDeniedException"):
        surveyed(refusing)


def test_a_key_in_another_state_is_a_problem_naming_it(clients, monkeypatch):
    """moto has no custom key stores, so KMS's answer for a key in a disconnected one is
    played back (the first DescribeKey is the only one: of the one tagged key)."""
    item = the("EksStack/PersistentVolumeKey")
    key = make_key(clients, {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: item.qualified_id})
    unavailable = {"KeyMetadata": key | {"KeyState": "Unavailable", "Enabled": False}}
    answer_first(monkeypatch, "kms.DescribeKey", [unavailable])

    result = surveyed(dataclasses.replace(clients, kms=made_clients().kms))

    assert result.problems == (
        f"EksStack/PersistentVolumeKey (KMS key {key['KeyId']}) is Unavailable: only an Enabled "
        "key can be adopted (see https://docs.aws.amazon.com/kms/latest/developerguide/"
        "key-state.html)",
    )
    assert result.found == ()


def test_kept_secrets_encrypted_with_different_keys_are_a_problem(clients):
    tags = {PLATFORM_TAG: PLATFORM, RETAINED_AS_TAG: SECRETS_KEY}
    first, second = make_key(clients, tags), make_key(clients, tags)
    salt, master = the(SALT_SECRET), the("SecretsStack/LitellmMasterKeySecret")
    make(clients, salt, {PLATFORM_TAG: PLATFORM}, first["Arn"])
    make(clients, master, {PLATFORM_TAG: PLATFORM}, second["KeyId"])

    result = surveyed(clients)

    listed = ", ".join(
        f"{key['KeyId']} (created {key['CreationDate'].isoformat()}, Enabled)"
        for key in (first, second)
    )
    assert result.problems == (
        f"{SECRETS_KEY}: what it encrypts is encrypted with several KMS keys, {listed}; "
        "re-encrypt it all with one (aws secretsmanager update-secret --kms-key-id ID, "
        "aws logs associate-kms-key --kms-key-id ARN) and rerun",
    )
    assert [found.retained for found in result.found] == [master, salt]
