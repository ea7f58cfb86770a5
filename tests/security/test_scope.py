"""No role the platform writes may change IAM, pass a role, or destroy anything outside the
platform: neither parliament nor cloudsplaining flags IAM writes on `role/*` scoped only by
an ARN pattern, so this test reads every statement itself.

A statement that allows such an action must either require the platform tag (on the
resource, or on the request that creates it) or name only the platform's resources: ARNs
that spell its stack name, its cluster's name or its `<name>/<environment>/` prefix.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.tagging import PLATFORM_TAG
from litellm_cfn.spec import PlatformSpec
from tests.security.documents import documents
from tests.security.platforms import every_spec

READ = re.compile(r"(Get|List|Describe)\w*")
DESTRUCTIVE = re.compile(
    r"(Delete|Terminate|Release|Detach|Disassociate|Remove|Untag|Disable)\w*"
    r"|ScheduleKeyDeletion|PutKeyPolicy"
)
# Reached by an ARN pattern only, on purpose; each with why it stays inside the platform.
SC_STACKS = (
    "the stacks Service Catalog launches are named SC-<account>-pp-<id>, unknown until "
    "launch, and the launch role is used only for the product it is the launch constraint of"
)
EXCEPTIONS = {
    ("cloudformation", "DeleteStack"): SC_STACKS,
    ("cloudformation", "UntagResource"): SC_STACKS,
    ("iam", "CreateServiceLinkedRole"): "AWS-defined roles only, for the services named in "
    "iam:AWSServiceName",
    ("logs", "DeleteLogDelivery"): "a log delivery has no ARN in IAM (Service Authorization "
    "Reference, Amazon CloudWatch Logs); CloudFormation deletes only the cache's deliveries",
}


def risky(action: str) -> bool:
    """An IAM write (any IAM action but a read), iam:PassRole, or a destructive action."""
    service, name = action.split(":")
    if service == "iam":
        return READ.fullmatch(name) is None
    return DESTRUCTIVE.fullmatch(name) is not None


def requires_the_platform_tag(statement: dict[str, Any], spec: PlatformSpec) -> bool:
    for operator, conditions in statement.get("Condition", {}).items():
        if not operator.startswith("StringEquals"):
            continue
        for key, value in conditions.items():
            tagged = key in (f"aws:ResourceTag/{PLATFORM_TAG}", f"aws:RequestTag/{PLATFORM_TAG}")
            if tagged and value == spec.stack_name:
                return True
    return False


def names_only_the_platform(statement: dict[str, Any], spec: PlatformSpec) -> bool:
    marks = (spec.stack_name, f"cluster/{spec.cluster_name}", f"/{spec.cluster_name}/",
             f"{spec.name}/{spec.environment}/")  # fmt: skip
    resources = statement["Resource"]
    resources = resources if isinstance(resources, list) else [resources]
    return all(any(mark in str(r) for mark in marks) for r in resources)


def statements_of(spec: PlatformSpec) -> list[tuple[str, dict[str, Any]]]:
    return [
        (document.where, statement)
        for file, template in compile_platform(spec).files.items()
        for document in documents(template.to_dict(), f"{spec.stack_name}/{file}")
        if document.kind == "identity"
        for statement in json.loads(document.text)["Statement"]
        if statement["Effect"] == "Allow"
    ]


SPECS = every_spec()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.stack_name)
def test_no_iam_write_passrole_or_destruction_reaches_outside_the_platform(spec: PlatformSpec):
    escaping = []
    for where, statement in statements_of(spec):
        for action in statement["Action"]:
            service, name = action.split(":")
            if not risky(action) or (service, name) in EXCEPTIONS:
                continue
            if requires_the_platform_tag(statement, spec):
                continue
            if names_only_the_platform(statement, spec):
                continue
            escaping.append(f"{where}: {statement.get('Sid')}: {action}")
    assert escaping == []


def test_the_check_sees_what_the_launch_role_needs():
    """The launch role has risky actions, and every one is held by the tag or by names."""
    spec = next(s for s in SPECS if s.catalog is not None and s.bastion.enabled)
    risky_seen = {
        a for where, statement in statements_of(spec) if "launch-role" in where
        for a in statement["Action"] if risky(a)
    }  # fmt: skip
    assert {
        "iam:PassRole",
        "iam:PutRolePolicy",
        "iam:DeleteRole",
        "ec2:TerminateInstances",
        "kms:PutKeyPolicy",
        "rds:DeleteDBInstance",
        "eks:DeleteCluster",
    } <= risky_seen


def test_an_unscoped_role_write_would_be_caught():
    spec = SPECS[0]
    statement = {
        "Effect": "Allow",
        "Action": ["iam:PutRolePolicy"],
        "Resource": ["arn:aws:iam::123456789012:role/*"],
    }
    assert risky("iam:PutRolePolicy")
    assert not requires_the_platform_tag(statement, spec)
    assert not names_only_the_platform(statement, spec)
    tagged = statement | {
        "Condition": {"StringEquals": {f"aws:ResourceTag/{PLATFORM_TAG}": "someone-else"}}
    }
    assert not requires_the_platform_tag(tagged, spec)
