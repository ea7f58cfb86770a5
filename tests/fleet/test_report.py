"""What `fleet diff` prints: each stack set's predicted review (a new one by its size), the
waves' steps in order with their pace, removals last; and the same as JSON."""

from __future__ import annotations

import json

from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.deploy.package import Packaged
from litellm_cfn.fleet.flow import Prepared, Rollout, StackSetBuild
from litellm_cfn.fleet.load import load_fleet
from litellm_cfn.fleet.operations import Permissions
from litellm_cfn.fleet.plan import Desired, plan
from litellm_cfn.fleet.predict import Templates, predict
from litellm_cfn.fleet.report import render_json, render_text
from litellm_cfn.fleet.stacksets import Instance, StackSetState
from tests.conftest import REPO

A, B = "111111111111", "222222222222"


def templates(spec) -> Templates:
    compiled = compile_platform(spec)
    nested = {stack.logical_id: stack.template.to_dict() for stack in compiled.nested}
    return Templates(compiled.root.to_dict(), nested)


def prepared_example() -> tuple[Rollout, Prepared]:
    """The example fleet after its first rollout: production's database class raised, the
    staging canary new, and production no longer in 222222222222/eu-west-1."""
    loaded = load_fleet(REPO / "specs" / "fleets" / "example.yaml")
    production, staging = loaded.variants
    raised = production.spec.model_copy(
        update={"rds": production.spec.rds.model_copy(update={"instance_class": "db.r6g.large"})}
    )
    reviews = {
        "litellm": predict("litellm", templates(production.spec), templates(raised)),
        "litellm-staging": predict("litellm-staging", None, templates(staging.spec)),
    }
    running = tuple(
        Instance(account, region, "", "CURRENT", "SUCCEEDED", "IN_SYNC", "s")
        for account in (A, B)
        for region in ("us-east-1", "eu-west-1")
    )
    actual = {"litellm": StackSetState("litellm", "old", "", running)}
    desired = [
        Desired("litellm-staging", "s", {"canary": ((A, "us-east-1"),)}),
        Desired("litellm", "new", {"rest": ((A, "eu-west-1"), (A, "us-east-1"), (B, "us-east-1"))}),
    ]
    builds = {
        variant.stack_set_name: StackSetBuild(
            variant, Packaged("x", None), templates(variant.spec), Permissions()
        )
        for variant in loaded.variants
    }
    result = plan(["canary", "rest"], desired, actual)
    rollout = Rollout(loaded, "us-east-1", None, None, None)  # type: ignore[arg-type]
    return rollout, Prepared(builds, actual, reviews, result)


def test_the_text_review_then_the_waves_then_the_removals():
    rollout, prepared = prepared_example()
    lines = render_text(rollout, prepared).splitlines()
    assert lines[0].startswith("stack set litellm-staging: new, 98 resources in 7 stacks")
    assert "stack set litellm: new template" in lines
    assert "  litellm/RdsStack:" in lines
    assert any(line.split()[:2] == ["Modify", "Database"] for line in lines)
    assert "DATA AT RISK" not in "\n".join(lines)
    tail = lines[lines.index(next(x for x in lines if x.startswith("wave 1/2"))) :]
    assert tail == [
        "wave 1/2 canary (1 at a time, 0 failures tolerated, regions sequential):",
        "  litellm-staging: create stack set",
        f"  litellm-staging: create {A}/us-east-1",
        "wave 2/2 rest (50% at a time, 0 failures tolerated, regions sequential: us-east-1, "
        "then eu-west-1):",
        f"  litellm: new template to {A}/eu-west-1, {A}/us-east-1, {B}/us-east-1",
        "after every wave has succeeded:",
        f"  litellm: delete {B}/eu-west-1",
        "  (each deletion deletes the stack instance and its platform: the database leaves a "
        "final snapshot; keys, secrets and logs are kept)",
        "2 stack sets change: 1 instance to create, 3 to update, 1 to delete",
    ]


def test_the_json_review_names_steps_risks_and_removals():
    _, prepared = prepared_example()
    document = json.loads(render_json(prepared))
    assert [s["name"] for s in document["stack_sets"]] == ["litellm-staging", "litellm"]
    assert document["removals"] == [f"litellm/{B}/eu-west-1"]
    assert document["data_at_risk"] == []
    assert document["steps"][-1] == {
        "wave": None,
        "stack_set": "litellm",
        "action": "delete",
        "places": [f"{B}/eu-west-1"],
    }
    database = [
        change
        for stack in document["stack_sets"][1]["review"]["stacks"]
        for change in stack["changes"]
        if change["logical_id"] == "Database"
    ]
    assert database[0]["replacement"] == "False"
    assert database[0]["properties"] == ["DBInstanceClass"]
