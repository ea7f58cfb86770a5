"""A wave's StackSet operation preferences: how many accounts deploy at once, how many may
fail, and how the regions follow each other, checked as the CloudFormation API reference
says (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html):

- MaxConcurrentCount is at least 1, MaxConcurrentPercentage 1 to 100; one or the other.
- FailureToleranceCount is at least 0, FailureTolerancePercentage 0 to 100; one or the other.
- With ConcurrencyMode STRICT_FAILURE_TOLERANCE, AWS's default, MaxConcurrentCount is at most
  one more than FailureToleranceCount. With percentages AWS lowers the concurrency as accounts
  fail instead ("the behavior is similar"), so there is nothing to check before a deployment.
- RegionConcurrencyType is SEQUENTIAL or PARALLEL; RegionOrder lists regions of the operation.

A wave holds each amount as written (an int, or a string such as "50%"), so it reads back as
the user wrote it; `preferences_of` turns it into the API's Count or Percentage key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

from litellm_cfn.errors import shown
from litellm_cfn.spec.base import Violation, invalid

if TYPE_CHECKING:
    from litellm_cfn.fleet.model import Wave

_PERCENT = re.compile(r"(100|[1-9]?[0-9])%")


def _amount(least: int, what: str) -> Callable[[Any], int | str]:
    """A check for a count of at least `least`, or a percentage from `least`% to 100%."""

    def check(value: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < least:
                raise invalid(f"must be >= {least}, got {value}")
            return value
        if isinstance(value, str):
            match = _PERCENT.fullmatch(value)
            if match and int(match[1]) >= least:
                return value
        raise invalid(
            f"must be {what} (>= {least}) or a percentage from {least}% to 100% such as "
            f"'50%', got {shown(value)}"
        )

    return check


def _schema(least: int) -> dict[str, Any]:
    digits = "[1-9][0-9]?" if least else "[1-9]?[0-9]"
    return {
        "anyOf": [
            {"type": "integer", "minimum": least},
            {"type": "string", "pattern": f"^(?:100|{digits})%$"},
        ]
    }


Concurrency = Annotated[
    int | str, PlainValidator(_amount(1, "a number of accounts")), WithJsonSchema(_schema(1))
]
Tolerance = Annotated[
    int | str, PlainValidator(_amount(0, "a number of accounts")), WithJsonSchema(_schema(0))
]


def strict_concurrency(wave: Wave) -> Violation | None:
    """With STRICT_FAILURE_TOLERANCE, MaxConcurrentCount is at most FailureToleranceCount + 1."""
    if wave.concurrency_mode != "STRICT_FAILURE_TOLERANCE":
        return None
    most, tolerance = wave.max_concurrent, wave.failure_tolerance
    if not (isinstance(most, int) and isinstance(tolerance, int)) or most <= tolerance + 1:
        return None
    return (
        "max_concurrent",
        f"must be at most failure_tolerance + 1 ({tolerance + 1}) with concurrency_mode "
        "STRICT_FAILURE_TOLERANCE (AWS's default): lower it, raise failure_tolerance, or set "
        "concurrency_mode: SOFT_FAILURE_TOLERANCE",
    )


def strict_caps_percentage(wave: Wave) -> str | None:
    """A warning when STRICT_FAILURE_TOLERANCE holds a percentage `max_concurrent` down to
    failure_tolerance + 1 accounts at once: "The initial actual concurrency is set to the lower
    of either the value of the MaxConcurrentCount, or the value of FailureToleranceCount +1"
    (the API reference's ConcurrencyMode)."""
    most, tolerance = wave.max_concurrent, wave.failure_tolerance
    strict = wave.concurrency_mode == "STRICT_FAILURE_TOLERANCE"
    if not (strict and isinstance(most, str) and isinstance(tolerance, int)):
        return None
    return (
        f"with concurrency_mode STRICT_FAILURE_TOLERANCE (AWS's default), AWS deploys at most "
        f"failure_tolerance + 1 ({tolerance + 1}) accounts at once per region, whatever "
        f"{most} says; set concurrency_mode: SOFT_FAILURE_TOLERANCE for {most}"
    )


def _api_amount(name: str, amount: int | str) -> dict[str, int]:
    if isinstance(amount, int):
        return {f"{name}Count": amount}
    return {f"{name}Percentage": int(amount.removesuffix("%"))}


def preferences_of(wave: Wave) -> dict[str, Any]:
    """The wave's OperationPreferences as the StackSets API takes them."""
    preferences: dict[str, Any] = {
        **_api_amount("MaxConcurrent", wave.max_concurrent),
        **_api_amount("FailureTolerance", wave.failure_tolerance),
        "RegionConcurrencyType": wave.region_concurrency,
    }
    if wave.region_order is not None:
        preferences["RegionOrder"] = list(wave.region_order)
    preferences["ConcurrencyMode"] = wave.concurrency_mode
    return preferences
