"""Faults injected into a deploy at each step, and what is left afterwards.

A platform of one nested stack that moto can update (tests/deploy/ledger_stack.py) is
deployed, then changed, then deployed again with `--allow-replace` lifting the policy on
its stateful resources, through tests/fault_proxy.py, which fails one step's calls: the
upload (package), CreateChangeSet, the review's DescribeChangeSet, the second
SetStackPolicy (the nested stack's policy is already lifted), ExecuteChangeSet, and the
watch's DescribeStackEvents. Or the call is interrupted, as Ctrl-C does. After each: no
stack with a lifted policy, no change set of ours awaiting execution, and the next deploy
converges.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
import yaml
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.cli import cli
from litellm_cfn.cli.options import Platform
from litellm_cfn.deploy.stack_state import CHANGE_SET_PREFIX, stack_policy
from tests.aws import REGION
from tests.conftest import REPO
from tests.deploy import ledger_stack
from tests.fault_proxy import Fault, FaultProxy, fault_proxy

LEDGER = Platform(stacks=(ledger_stack,))
STACK = "litellm-prod"
# What the stack policies guard in this platform: the root guards its nested stack, which
# guards its log group and secret.
STRICT = {"": ["LedgerStack"], "LedgerStack": ["LedgerLogGroup", "LedgerSecret"]}
# Each step of a deploy, and the call that fails it: (operation, which call of it).
STEPS = {
    "package": ("S3 PUT", 1),
    "change set": ("CreateChangeSet", 1),
    "review": ("DescribeChangeSet", 3),
    "guard": ("SetStackPolicy", 2),
    "execute": ("ExecuteChangeSet", 1),
    "watch": ("DescribeStackEvents", 2),
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj=LEDGER)


@pytest.fixture
def proxy(aws, monkeypatch, tmp_path) -> Iterator[FaultProxy]:
    """The tool pointed at a fault proxy in front of moto, in a folder with a deployed
    platform whose spec has since changed (a new tag on every resource)."""
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    with fault_proxy(aws) as (url, faults):
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        spec = tmp_path / "platform.yaml"
        shutil.copy(REPO / "specs" / "platform.yaml", spec)
        assert run("bootstrap", "--region", REGION).exit_code == 0
        first = run("deploy", str(spec), "--yes")
        assert first.exit_code == 0, first.output
        data = yaml.safe_load(spec.read_text())
        data["tags"] = {"cost-center": "faults"}
        spec.write_text(yaml.safe_dump(data))
        yield faults


def moto(proxy: FaultProxy):
    """A client straight to moto, past the proxy: what is really left."""
    upstream = f"http://{proxy.upstream.netloc}"
    return boto3.client("cloudformation", region_name=REGION, endpoint_url=upstream)


def deploy_lifting_the_policy():
    return run("deploy", "platform.yaml", "--yes", "--allow-replace", "LedgerLogGroup")


def stacks(proxy: FaultProxy) -> dict[str, str]:
    """The root and nested stacks: '' and each nested logical id, to its physical id."""
    resources = moto(proxy).list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    nested = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::CloudFormation::Stack"
    }
    return {"": STACK, **nested}


def assert_nothing_left_open(proxy: FaultProxy) -> None:
    """Every stack has the strict policy and no change set of ours awaits execution."""
    cloudformation = moto(proxy)
    for logical, physical in stacks(proxy).items():
        policy = cloudformation.get_stack_policy(StackName=physical).get("StackPolicyBody")
        assert policy == stack_policy(STRICT[logical]), logical or "root"
        waiting = [
            c["ChangeSetName"]
            for c in cloudformation.list_change_sets(StackName=physical)["Summaries"]
            if c["ChangeSetName"].startswith(CHANGE_SET_PREFIX)
            and c.get("ExecutionStatus") == "AVAILABLE"
        ]
        assert waiting == [], logical or "root"


def assert_converges(proxy: FaultProxy) -> None:
    """The next deploy applies whatever is left, and the one after changes nothing."""
    again = deploy_lifting_the_policy()
    assert again.exit_code == 0, again.output
    assert_nothing_left_open(proxy)
    settled = run("deploy", "platform.yaml", "--yes")
    assert settled.exit_code == 0, settled.output
    assert "no changes" in settled.output


@pytest.mark.parametrize(
    ("step", "mode"),
    [
        ("package", "drop"),
        ("change set", "500"),
        ("review", "html"),
        ("guard", "503"),
        ("execute", "500"),
        ("watch", "drop"),
    ],
)
def test_an_endpoint_failing_a_step_is_named_and_leaves_nothing_open(proxy, step, mode):
    operation, at = STEPS[step]
    proxy.plan(Fault(operation, at, mode))
    result = deploy_lifting_the_policy()
    proxy.heal()
    assert result.exit_code == 1, result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"cannot deploy {STACK}: "), error
    assert f"{operation.removeprefix('S3 ')}" in error or operation.startswith("S3"), error
    assert "the endpoint's failure, not the spec's" in error
    assert "internal error" not in result.stderr
    assert_nothing_left_open(proxy)
    assert_converges(proxy)


def test_throttling_is_waited_out_and_the_deploy_goes_on(proxy):
    proxy.plan(Fault("SetStackPolicy", 1, "throttle", times=2))
    result = deploy_lifting_the_policy()
    assert result.exit_code == 0, result.output
    # Answered twice with Throttling, then forwarded: botocore's patience, not ours.
    assert proxy.faulted == ["SetStackPolicy", "SetStackPolicy"]
    assert proxy.calls["SetStackPolicy"] > 2
    assert_nothing_left_open(proxy)


def test_an_endpoint_lost_between_lifting_and_restoring_names_the_open_stack(proxy):
    operation, at = STEPS["guard"]
    proxy.plan(Fault(operation, at, "lost"))
    result = deploy_lifting_the_policy()
    proxy.heal()
    assert result.exit_code == 1, result.output
    ledger = stacks(proxy)["LedgerStack"]
    assert f"the strict policy could not be set again on {ledger}" in result.stderr
    assert "Set it again with: litellm-cfn watch platform.yaml" in result.stderr
    # Nor could the change set be deleted: said, and the next deploy reviews it again.
    assert "could not delete the change set arn:aws:cloudformation:" in result.stderr
    # As said: watch closes the stack, and the next deploy executes what was left.
    closed = run("watch", "platform.yaml")
    assert closed.exit_code == 0, closed.output
    assert_converges(proxy)


@pytest.fixture
def interrupt_at(monkeypatch):
    """Raise KeyboardInterrupt, as Ctrl-C does, when the tool makes call `at` of `operation`
    (counted across its clients)."""
    real = aws_module.client
    plan = Fault("", 0, "interrupt")
    seen: Counter[str] = Counter()

    def client(service, region, profile=None, notice=None):
        made = real(service, region, profile, notice)

        def maybe_interrupt(model, **_):
            name = model.name if service != "s3" else f"S3 {model.http['method']}"
            seen[name] += 1
            if name == plan.operation and seen[name] == plan.at:
                raise KeyboardInterrupt

        made.meta.events.register("before-call", maybe_interrupt)
        return made

    monkeypatch.setattr(aws_module, "client", client)

    def arm(operation: str, at: int) -> None:
        plan.operation, plan.at = operation, at
        seen.clear()

    return arm


@pytest.mark.parametrize("step", list(STEPS))
def test_ctrl_c_at_any_step_leaves_nothing_open_once_watched(proxy, interrupt_at, step):
    interrupt_at(*STEPS[step])
    result = deploy_lifting_the_policy()
    interrupt_at("", 0)
    assert result.exit_code == 130, result.output
    assert "internal error" not in result.stderr
    if step == "watch":
        # The execution goes on in CloudFormation and needs the lifted policy until it
        # settles; the message says so, and how to close it.
        assert "Resume with: litellm-cfn watch platform.yaml" in result.stderr
        assert "the stack policy stays lifted for LedgerLogGroup until then" in result.stderr
        assert run("watch", "platform.yaml").exit_code == 0
    assert_nothing_left_open(proxy)
    assert_converges(proxy)
