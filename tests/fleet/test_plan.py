"""The rollout plan: our own comparison of templates and places decides every step, wave by
wave, removals last."""

from __future__ import annotations

from litellm_cfn.fleet.plan import (
    AFTER_THE_WAVES,
    CREATE,
    CREATE_STACK_SET,
    DELETE,
    DELETE_STACK_SET,
    NEW_TEMPLATE,
    UPDATE,
    Desired,
    Step,
    plan,
)
from litellm_cfn.fleet.stacksets import Instance, StackSetState

WAVES = ["canary", "rest"]
A, B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"


def running(name: str, body: str, *places: tuple[str, str], status: str = "CURRENT"):
    instances = tuple(
        Instance(account, region, "", status, "SUCCEEDED", "IN_SYNC", f"stack-{account}-{region}")
        for account, region in places
    )
    return StackSetState(name, body, "", instances)


def desired(name: str, body: str, **places: tuple[tuple[str, str], ...]) -> Desired:
    return Desired(name, StackSetState(name, body).template_sha256, places)


def test_a_new_fleet_creates_each_stack_set_then_its_instances_wave_by_wave():
    fleet = [  # the canary's stack set second: the waves decide the order, not the list
        desired("litellm", "p", rest=((A, EAST), (A, WEST), (B, EAST), (B, WEST))),
        desired("litellm-staging", "s", canary=((A, EAST),)),
    ]
    result = plan(WAVES, fleet, {})
    assert result.steps == (
        Step("canary", "litellm-staging", CREATE_STACK_SET),
        Step("canary", "litellm-staging", CREATE, ((A, EAST),)),
        Step("rest", "litellm", CREATE_STACK_SET),
        Step("rest", "litellm", CREATE, ((A, EAST), (A, WEST), (B, EAST), (B, WEST))),
    )
    assert [(c.name, c.new) for c in result.changes] == [
        ("litellm", True),
        ("litellm-staging", True),
    ]


def test_the_same_templates_and_places_plan_nothing():
    fleet = [desired("litellm", "p", canary=((A, EAST),), rest=((B, EAST),))]
    actual = {"litellm": running("litellm", "p", (A, EAST), (B, EAST))}
    result = plan(WAVES, fleet, actual)
    assert result.empty and result.changes == ()


def test_a_new_template_goes_to_the_canary_first_then_the_rest_reuses_it():
    fleet = [desired("litellm", "new", canary=((A, EAST),), rest=((B, EAST), (B, WEST)))]
    actual = {"litellm": running("litellm", "old", (A, EAST), (B, EAST), (B, WEST))}
    result = plan(WAVES, fleet, actual)
    assert result.steps == (
        Step("canary", "litellm", NEW_TEMPLATE, ((A, EAST),)),
        Step("rest", "litellm", UPDATE, ((B, EAST), (B, WEST))),
    )
    assert result.changes[0].template_changed


def test_a_wave_that_only_adds_creates_then_moves_just_those_to_the_new_template():
    fleet = [desired("litellm", "new", canary=((B, WEST),), rest=((A, EAST),))]
    actual = {"litellm": running("litellm", "old", (A, EAST))}
    assert plan(WAVES, fleet, actual).steps == (
        Step("canary", "litellm", CREATE, ((B, WEST),)),
        Step("canary", "litellm", NEW_TEMPLATE, ((B, WEST),)),
        Step("rest", "litellm", UPDATE, ((A, EAST),)),
    )


def test_a_stack_set_without_instances_takes_its_template_before_the_first_wave():
    fleet = [desired("litellm", "new", rest=((A, EAST),))]
    actual = {"litellm": running("litellm", "old")}
    assert plan(WAVES, fleet, actual).steps == (
        Step("rest", "litellm", NEW_TEMPLATE),
        Step("rest", "litellm", CREATE, ((A, EAST),)),
    )


def test_outdated_instances_of_a_stopped_rollout_are_updated_in_their_wave():
    fleet = [desired("litellm", "p", canary=((A, EAST),), rest=((B, EAST),))]
    actual = {
        "litellm": StackSetState(
            "litellm",
            "p",
            "",
            (
                Instance(A, EAST, "", "CURRENT", "SUCCEEDED", "IN_SYNC", "s1"),
                Instance(B, EAST, "", "OUTDATED", "CANCELLED", "IN_SYNC", "s2"),
            ),
        )
    }
    assert plan(WAVES, fleet, actual).steps == (Step("rest", "litellm", UPDATE, ((B, EAST),)),)


def test_a_removed_region_deletes_only_those_instances_after_every_wave():
    fleet = [desired("litellm", "p", canary=((A, EAST),), rest=((B, EAST),))]
    actual = {"litellm": running("litellm", "p", (A, EAST), (A, WEST), (B, EAST), (B, WEST))}
    result = plan(WAVES, fleet, actual)
    assert result.steps == (Step(AFTER_THE_WAVES, "litellm", DELETE, ((A, WEST), (B, WEST))),)
    assert result.removals == [("litellm", (A, WEST)), ("litellm", (B, WEST))]


def test_a_stack_set_no_longer_in_the_fleet_is_emptied_then_deleted_last():
    fleet = [desired("litellm", "p", canary=((A, EAST),))]
    actual = {
        "litellm": running("litellm", "p", (A, EAST)),
        "litellm-old": running("litellm-old", "o", (B, EAST)),
    }
    result = plan(WAVES, fleet, actual)
    assert result.steps == (
        Step(AFTER_THE_WAVES, "litellm-old", DELETE, ((B, EAST),)),
        Step(AFTER_THE_WAVES, "litellm-old", DELETE_STACK_SET),
    )
    assert result.changes[0].removed


def test_organizational_units_are_places_for_service_managed_stack_sets():
    unit = "ou-ab12-cdef3456"
    fleet = [desired("litellm", "p", canary=((unit, EAST),))]
    instances = tuple(
        Instance(account, EAST, unit, "CURRENT", "SUCCEEDED", "IN_SYNC", "s") for account in (A, B)
    )
    actual = {"litellm": StackSetState("litellm", "p", "", instances)}
    assert plan(WAVES, fleet, actual, by_unit=True).empty
    assert not plan(WAVES, fleet, actual, by_unit=False).empty


def test_instances_about_to_be_removed_never_get_the_new_template():
    fleet = [desired("litellm", "new", canary=((B, WEST),))]
    actual = {"litellm": running("litellm", "old", (A, EAST))}
    assert plan(WAVES, fleet, actual).steps == (
        Step("canary", "litellm", CREATE, ((B, WEST),)),
        Step("canary", "litellm", NEW_TEMPLATE, ((B, WEST),)),
        Step(AFTER_THE_WAVES, "litellm", DELETE, ((A, EAST),)),
    )
