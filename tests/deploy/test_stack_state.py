"""What a deploy does in each stack state, change set names, and the data-guarding policy."""

from __future__ import annotations

import json

import pytest

from litellm_cfn.deploy.stack_state import change_set_name, next_step, stack_policy, succeeded


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (None, "create"),
        ("REVIEW_IN_PROGRESS", "create"),
        ("CREATE_COMPLETE", "update"),
        ("UPDATE_COMPLETE", "update"),
        ("UPDATE_ROLLBACK_COMPLETE", "update"),
        ("UPDATE_IN_PROGRESS", "wait"),
        ("CREATE_IN_PROGRESS", "wait"),
        ("ROLLBACK_COMPLETE", "stop"),
        ("UPDATE_ROLLBACK_FAILED", "stop"),
        ("DELETE_FAILED", "stop"),
    ],
)
def test_each_state_has_one_next_step(status, kind):
    assert next_step(status, "s").kind == kind


def test_a_failed_creation_is_recreated_only_when_asked():
    assert "--recreate-failed" in next_step("ROLLBACK_COMPLETE", "s").message
    assert next_step("ROLLBACK_COMPLETE", "s", recreate_failed=True).kind == "recreate"


def test_a_failed_rollback_points_to_recover():
    message = next_step("UPDATE_ROLLBACK_FAILED", "litellm-prod").message
    assert message.startswith("litellm-prod is UPDATE_ROLLBACK_FAILED")
    assert "`litellm-cfn recover SPEC`" in message
    assert "aws cloudformation" not in message


def test_change_set_names_are_ours_and_follow_their_content():
    assert change_set_name("a", "b") == change_set_name("a", "b")
    assert change_set_name("a", "b") != change_set_name("a", "c")
    assert change_set_name("a").startswith("litellm-cfn-")
    assert len(change_set_name("a")) == len("litellm-cfn-") + 12


def test_the_stack_policy_denies_replacing_or_deleting_only_the_named_resources():
    policy = json.loads(stack_policy(["Database", "LitellmSaltKeySecret", "Database"]))
    deny, allow = policy["Statement"]
    assert deny == {
        "Sid": "KeepTheData",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["Update:Replace", "Update:Delete"],
        "Resource": ["LogicalResourceId/Database", "LogicalResourceId/LitellmSaltKeySecret"],
    }
    assert allow["Effect"] == "Allow" and allow["Action"] == ["Update:*"]
    (only,) = json.loads(stack_policy([]))["Statement"]
    assert only["Effect"] == "Allow"


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        ("CREATE_COMPLETE", True),
        ("UPDATE_COMPLETE", True),
        ("DELETE_COMPLETE", True),
        ("UPDATE_ROLLBACK_COMPLETE", False),
        ("ROLLBACK_COMPLETE", False),
        ("UPDATE_FAILED", False),
    ],
)
def test_an_operation_succeeded_only_if_it_completed_without_rolling_back(status, ok):
    assert succeeded(status) is ok
