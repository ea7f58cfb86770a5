"""What the deploy tests against moto share: the CLI over a platform of the VPC stack alone,
and what is left on the endpoint (change sets, stack states, policies)."""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import ClientError
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.cli.options import Platform
from nested_stacks import vpc
from tests.aws import REGION

# moto cannot execute nested stacks wired by outputs: these tests deploy the VPC stack alone,
# through the CLI's seam for the set of stacks (click's context object).
VPC_ONLY = Platform(stacks=(vpc,))


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), obj=VPC_ONLY, **kwargs)


def cloudformation():
    return boto3.client("cloudformation", region_name=REGION)


def change_sets(stack: str = "litellm-prod") -> list[dict]:
    """The stack's change sets (moto's ListChangeSets ignores its StackName filter)."""
    summaries = cloudformation().list_change_sets(StackName=stack)["Summaries"]
    return [s for s in summaries if s["StackName"] == stack and s["ExecutionStatus"] == "AVAILABLE"]


def stack_status(stack: str = "litellm-prod") -> str | None:
    try:
        (described,) = cloudformation().describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        assert "does not exist" in str(error)
        return None
    return str(described["StackStatus"])


def denied(stack: str) -> list[str]:
    """The logical ids the stack's policy keeps from replacement and deletion."""
    policy = json.loads(cloudformation().get_stack_policy(StackName=stack)["StackPolicyBody"])
    return [
        resource.removeprefix("LogicalResourceId/")
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny"
        for resource in statement["Resource"]
    ]


def vpc_stack_id() -> str:
    (nested,) = cloudformation().list_stack_resources(StackName="litellm-prod")[
        "StackResourceSummaries"
    ]
    return str(nested["PhysicalResourceId"])
