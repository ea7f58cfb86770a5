"""`fleet status` rows: one per stack instance, then the declared places that run none."""

from __future__ import annotations

from litellm_cfn.fleet.stacksets import Instance, StackSetState
from litellm_cfn.fleet.status import NOT_DEPLOYED, _rows, render_text

UNIT = "ou-ab12-cdef3456"


def instance(account: str, region: str, unit: str = "", status: str = "CURRENT") -> Instance:
    return Instance(account, region, unit, status, "SUCCEEDED", "IN_SYNC", "stack")


def test_an_organizational_units_instances_each_get_a_row():
    state = StackSetState(
        "litellm",
        "body",
        "",
        (instance("111111111111", "us-east-1", UNIT), instance("222222222222", "us-east-1", UNIT)),
    )
    rows = _rows(state, {(UNIT, "us-east-1"), (UNIT, "eu-west-1")}, by_unit=True)
    assert [(r.target, r.region, r.status) for r in rows] == [
        (f"{UNIT} 111111111111", "us-east-1", "CURRENT"),
        (f"{UNIT} 222222222222", "us-east-1", "CURRENT"),
        (UNIT, "eu-west-1", NOT_DEPLOYED),
    ]
    assert [r.healthy for r in rows] == [True, True, False]


def test_an_outdated_instance_runs_an_earlier_template_and_is_not_healthy():
    state = StackSetState(
        "litellm", "body", "", (instance("111111111111", "us-east-1", status="OUTDATED"),)
    )
    (row,) = _rows(state, {("111111111111", "us-east-1")}, by_unit=False)
    assert (row.template, row.healthy) == ("an earlier one", False)
    assert render_text([row]).splitlines()[-1] == "0 of 1 healthy"


def test_why_an_instance_is_unhealthy_follows_the_table():
    failed = Instance(
        "111111111111",
        "us-east-1",
        "",
        "OUTDATED",
        "FAILED",
        "NOT_CHECKED",
        "stack",
        reason="ResourceLogicalId:Database, Quota exceeded",
        last_drift_check="2026-12-01T10:00:00+00:00",
    )
    (row,) = _rows(StackSetState("litellm", "body", "", (failed,)), set(), by_unit=False)
    assert row.last_drift_check == "2026-12-01T10:00:00+00:00"
    assert render_text([row]).splitlines()[-2:] == [
        "  litellm 111111111111/us-east-1: ResourceLogicalId:Database, Quota exceeded",
        "0 of 1 healthy",
    ]
