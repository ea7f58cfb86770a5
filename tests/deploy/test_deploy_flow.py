"""The deploy steps' own logic, with a recording deployer (no AWS involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_cfn.deploy_flow import Target, execute_reviewed
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.review import Review
from tests.conftest import spec_from


class RecordingDeployer:
    """Records guards; its execution fails or succeeds as told."""

    def __init__(self, fails: bool) -> None:
        self.fails = fails
        self.guards: list[tuple[str, ...]] = []
        self.protected_from_deletion: list[bool] = []

    def guard(self, stack, protected, allowed):
        self.guards.append(tuple(allowed))

    def execute(self, stack, change_set, total):
        if self.fails:
            raise LitellmCfnError("litellm-prod ended UPDATE_ROLLBACK_COMPLETE")

    def protect_from_deletion(self, stack, enabled):
        self.protected_from_deletion.append(enabled)


def target(deployer: RecordingDeployer, lines: list[str]) -> Target:
    return Target(
        spec_from("name: litellm\n"),
        Path("p.yaml"),
        "us-east-1",
        deployer,
        None,
        None,
        lines.append,
    )


def test_allow_replace_holds_for_one_execution_even_when_it_fails():
    deployer = RecordingDeployer(fails=True)
    with pytest.raises(LitellmCfnError, match="UPDATE_ROLLBACK_COMPLETE"):
        execute_reviewed(target(deployer, []), "cs", "update", Review(()), ("Database",))
    assert deployer.guards == [("Database",), ()]


def test_a_created_stack_gets_termination_protection_and_the_strict_policy(monkeypatch):
    monkeypatch.setattr("litellm_cfn.outputs.read_outputs", lambda cfn, stack: {"VpcId": "vpc-1"})
    deployer = RecordingDeployer(fails=False)
    lines: list[str] = []
    execute_reviewed(target(deployer, lines), "cs", "create", Review(()), ())
    assert deployer.guards == [(), ()]
    assert deployer.protected_from_deletion == [True]
    assert lines == ["litellm-prod: create complete", "VpcId  vpc-1"]
