"""The deploy steps' own logic, with a recording deployer (no AWS involved).

moto executes every change set it holds and never fails an execution the way AWS does (a
rollback, an obsolete change set, a busy stack, a dropped connection while watching), so the
failure paths of `execute_reviewed` are driven by a deployer that fails as told; the
successful path runs against moto in test_deploy_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.changesets import ChangeSet
from litellm_cfn.deploy.console import Console
from litellm_cfn.deploy.execution import execute_reviewed
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.guard import stateful_ids
from litellm_cfn.deploy.review import Review
from litellm_cfn.errors import Interrupted, LitellmCfnError
from tests.conftest import spec_from

OBSOLETE = ClientError(
    {
        "Error": {
            "Code": "InvalidChangeSetStatus",
            "Message": "ChangeSet [litellm-cfn-0123456789ab] cannot be executed in its current "
            "status of [OBSOLETE]",
        }
    },
    "ExecuteChangeSet",
)


CHANGE_SET = ChangeSet("cs", created=True)


class RecordingDeployer:
    """Records guards; its execution raises `failure` if given, and so does re-guarding
    after the first guard if `guard_fails`."""

    def __init__(self, failure: BaseException | None, guard_fails: bool = False) -> None:
        self.failure = failure
        self.guard_fails = guard_fails
        self.guards: list[tuple[str, ...]] = []
        self.protected_from_deletion: list[bool] = []

    def guard(self, stack, protected, allowed):
        if self.guard_fails and self.guards:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "x")
        self.guards.append(tuple(allowed))

    def execute(self, stack, change_set, total, not_started=lambda: None):
        if self.failure is not None:
            raise self.failure

    def protect_from_deletion(self, stack, enabled):
        self.protected_from_deletion.append(enabled)


def recording(lines: list[str]) -> Console:
    """A console that keeps every line and can answer nothing."""

    def ask(question: str):
        raise AssertionError(f"asked {question!r}")

    return Console(lines.append, lines.append, lines.append, ask, ask, lambda: False)


def target(deployer: RecordingDeployer, lines: list[str]) -> Target:
    spec = spec_from("name: litellm\n")
    return Target(
        spec,
        Path("p.yaml"),
        "us-east-1",
        deployer,
        None,
        None,
        compile_platform(spec),
        recording(lines),
    )


def test_allow_replace_holds_for_one_execution_even_when_it_fails():
    deployer = RecordingDeployer(LitellmCfnError("litellm-prod ended UPDATE_ROLLBACK_COMPLETE"))
    with pytest.raises(LitellmCfnError, match="UPDATE_ROLLBACK_COMPLETE"):
        execute_reviewed(target(deployer, []), CHANGE_SET, "update", Review(()), ("Database",))
    assert deployer.guards == [("Database",), ()]


@pytest.mark.parametrize("failure", [OBSOLETE, ConnectionResetError("reset by peer")])
def test_any_failure_to_execute_sets_the_strict_policy_again_and_is_reported_as_it_was(failure):
    deployer = RecordingDeployer(failure)
    with pytest.raises(type(failure)) as caught:
        execute_reviewed(target(deployer, []), CHANGE_SET, "update", Review(()), ("Database",))
    assert caught.value is failure
    assert deployer.guards == [("Database",), ()]


def test_a_failure_to_re_guard_is_said_but_does_not_hide_the_failure():
    deployer = RecordingDeployer(OBSOLETE, guard_fails=True)
    lines: list[str] = []
    with pytest.raises(ClientError) as caught:
        execute_reviewed(target(deployer, lines), CHANGE_SET, "update", Review(()), ("Database",))
    assert caught.value is OBSOLETE
    (line,) = lines
    assert line.startswith("could not set the strict stack policy again (ClientError: ")
    assert line.endswith("`litellm-cfn watch p.yaml` sets it once the stack settles")


def test_ctrl_c_leaves_the_policy_lifted_for_the_deployment_that_goes_on():
    deployer = RecordingDeployer(KeyboardInterrupt())
    with pytest.raises(Interrupted) as stopped:
        execute_reviewed(target(deployer, []), CHANGE_SET, "update", Review(()), ("Database",))
    assert stopped.value.exit_code == 130
    assert deployer.guards == [("Database",)]
    assert "Resume with: litellm-cfn watch p.yaml" in str(stopped.value)


def test_the_guarded_ids_are_each_nested_stacks_stateful_resources_and_the_root_holds_those():
    guarded = stateful_ids(compile_platform(spec_from("name: litellm\n")))
    assert "Database" in guarded.nested["RdsStack"]
    assert "DatabaseSecurityGroup" not in guarded.nested["RdsStack"]
    assert "CacheReplicationGroup" not in guarded.nested.get("CacheStack", [])
    assert guarded.root == sorted(guarded.nested)
    assert "IamStack" not in guarded.nested  # roles are not stateful
