"""Building blocks shared by every spec section: the strict base model and checked value types."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Str = Annotated[str, Strict()]

# A violated rule: (where below the value that holds it, message). The place is a dotted field
# name ("vpc.cidr") or a path whose ints are list indexes (("availability_zones", 1)).
Violation = tuple[str | tuple[str | int, ...], str]


class Model(BaseModel):
    """A spec section: unknown keys refused, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def invalid(message: str) -> PydanticCustomError:
    """An error whose text is shown to the user verbatim (braces in it are not templates)."""
    return PydanticCustomError("invalid", "{message}", {"message": message})


def check_rules(*violations: Violation | None) -> None:
    """Raise every violated cross-field rule of one model at once, each at its own field."""
    found = tuple(v for v in violations if v is not None)
    if found:
        raise PydanticCustomError(
            "rules", "{message}", {"message": "; ".join(m for _, m in found), "violations": found}
        )


def matching(pattern: str, hint: str, **schema: Any) -> Any:
    """A string type that must fully match `pattern`; `hint` says what a valid value looks like."""

    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise invalid(f"{_shown(value)} {hint}")
        return value

    # JSON Schema patterns match anywhere unless anchored; ours must match the whole value.
    anchored = {"pattern": f"^(?:{pattern})$", **schema}
    return Annotated[Str, AfterValidator(check), Field(json_schema_extra=anchored)]


def checked(kind: type, check: Callable[[Any], Any], **schema: Any) -> Any:
    """`kind` (strictly typed) passed through `check`, which returns it or raises `invalid`."""
    return Annotated[kind, Strict(), AfterValidator(check), Field(json_schema_extra=schema or None)]


def one_of(values: Iterable[int], what: str) -> Any:
    """An integer restricted to `values` (a strict Literal, which pydantic cannot express)."""
    allowed = tuple(values)

    def check(value: int) -> int:
        if value not in allowed:
            listed = ", ".join(str(v) for v in allowed)
            raise invalid(f"{value} is not {what}; use one of {listed}")
        return value

    return checked(int, check, enum=list(allowed))


def _distinct(items: tuple[Any, ...]) -> tuple[Any, ...]:
    check_rules(
        *(
            ((index,), f"{_shown(item)} is listed twice")
            for index, item in enumerate(items)
            if item in items[:index]
        )
    )
    return items


def _not_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    if not items:
        raise invalid("must not be empty")
    return items


def distinct(item: Any, required: bool = False) -> Any:
    """A list of `item`s without repeats (and, if `required`, not empty).

    Checked after the items, so one bad item is one error, not also a "too short" list.
    """
    checks = [AfterValidator(_not_empty)] if required else []
    schema = {"uniqueItems": True, **({"minItems": 1} if required else {})}
    return Annotated[
        (tuple[item, ...], *checks, AfterValidator(_distinct), Field(json_schema_extra=schema))
    ]


def _shown(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut short: hostile input can be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "...'"
