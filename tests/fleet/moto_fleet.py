"""What the fleet tests against moto share: a fleet of two accounts and two regions with a
staging canary, rolled out as a platform of the ledger stack alone (moto cannot create a
platform whose nested stacks feed each other), through the CLI's seam for the set of stacks."""

from __future__ import annotations

import boto3
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.cli.options import Platform
from tests.aws import REGION
from tests.deploy import ledger_stack

LEDGER_ONLY = Platform(stacks=(ledger_stack,))
BUCKET = "fleet-artifacts"
A, B = "111111111111", "222222222222"
FLEET = """\
spec: platform.yaml
name: litellm
targets:
  staging:
    accounts: ["{a}"]
    regions: [us-east-1]
    overlay:
      environment: staging
      eks.cluster_name: litellm-staging-eks
  production:
    accounts: ["{a}", "{b}"]
    regions: [{regions}]
waves:
  - name: canary
    targets: [staging]
  - name: rest
    targets: [production]
    max_concurrent: 2
    failure_tolerance: 1
"""


def write_fleet(folder, regions: str = "us-east-1, eu-west-1"):
    path = folder / "fleet.yaml"
    path.write_text(FLEET.format(a=A, b=B, regions=regions))
    return path


def run(*args: str):
    return CliRunner().invoke(cli, ["fleet", *args], obj=LEDGER_ONLY)


def instances(stack_set: str) -> set[tuple[str, str]]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    summaries = cfn.list_stack_instances(StackSetName=stack_set)["Summaries"]
    return {(s["Account"], s["Region"]) for s in summaries}


def operations(stack_set: str) -> int:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return len(cfn.list_stack_set_operations(StackSetName=stack_set)["Summaries"])
