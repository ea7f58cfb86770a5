"""Building blocks shared by every spec section: the strict base model and checked value types.

Checks are Annotated metadata (`Annotated[Str, matching(...)]`), so type checkers see plain
`str`/`int`/`tuple` while pydantic runs the check and puts its constraint in the JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from ipaddress import IPv4Network
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from litellm_cfn.errors import shown

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
    """Raise every violated rule of one value at once, each at its own place."""
    found = tuple(v for v in violations if v is not None)
    if found:
        raise PydanticCustomError(
            "rules", "{message}", {"message": "; ".join(m for _, m in found), "violations": found}
        )


class Checked:
    """Annotated metadata: `check` runs after pydantic's own validation of the value, and
    `schema` is merged into the value's JSON Schema."""

    def __init__(self, check: Callable[[Any], Any], **schema: Any) -> None:
        self.check = check
        self.schema = schema

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), **self.schema}


def matching(pattern: str, hint: str) -> Checked:
    """The whole string must match `pattern`; `hint` says what a valid value looks like."""

    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise invalid(f"{shown(value)} {hint}")
        return value

    # JSON Schema patterns match anywhere unless anchored; ours must match the whole value.
    return Checked(check, pattern=f"^(?:{pattern})$")


def one_of(values: Iterable[int], what: str) -> Checked:
    """The integer must be one of `values` (a strict Literal, which pydantic cannot express)."""
    allowed = tuple(values)

    def check(value: int) -> int:
        if value not in allowed:
            listed = ", ".join(str(v) for v in allowed)
            raise invalid(f"{shown(value)} is not {what}; use one of {listed}")
        return value

    return Checked(check, enum=list(allowed))


def distinct(required: bool = False) -> Checked:
    """A list without repeats (and, if `required`, not empty), reported at the repeated item.

    Checked after the items, so one bad item is one error, not also a "too short" list.
    """

    def check(items: tuple[Any, ...]) -> tuple[Any, ...]:
        if required and not items:
            raise invalid("must not be empty")
        check_rules(
            *(
                ((index,), f"{shown(item)} is listed twice")
                for index, item in enumerate(items)
                if item in items[:index]
            )
        )
        return items

    return Checked(check, uniqueItems=True, **({"minItems": 1} if required else {}))


def cidr_block(example: str, sized: Callable[[IPv4Network], None] | None = None) -> Checked:
    """An IPv4 CIDR block such as `example`; `sized`, if given, may refuse its size."""

    def check(value: str) -> str:
        try:
            network = IPv4Network(value)
        except ValueError as error:
            if "has host bits set" in str(error):
                fixed = IPv4Network(value, strict=False)
                raise invalid(f"{shown(value)} has host bits set; did you mean {fixed}?") from None
            raise invalid(f"{shown(value)} is not an IPv4 CIDR block such as {example}") from None
        if sized is not None:
            sized(network)
        return value

    return Checked(check, pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")


def _tag_key(key: str) -> str:
    if key.lower().startswith("aws:"):
        raise invalid("tag keys starting with 'aws:' are reserved for AWS")
    if key.lower().startswith("litellm-cfn:"):
        raise invalid("tag keys starting with 'litellm-cfn:' are set by litellm-cfn itself")
    return key


_TAG_CHARACTERS = r"[\w .:/=+@-]"
TagKey = Annotated[
    Str,
    matching(f"{_TAG_CHARACTERS}{{1,128}}", "is not a tag key (1 to 128 characters)"),
    Checked(_tag_key),
]
TagValue = Annotated[
    Str, matching(f"{_TAG_CHARACTERS}{{0,256}}", "is not a tag value (up to 256 characters)")
]
# The family's first digit is matched by `[0-9]` alone, so a long value cannot backtrack.
InstanceType = Annotated[
    Str,
    matching(
        r"[a-z][a-z-]*[0-9][a-z0-9-]*\.[a-z0-9-]+",
        "does not look like an EC2 instance type such as m6i.large",
    ),
]

# The values CloudWatch Logs accepts for RetentionInDays.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip

RetentionDays = Annotated[Int, one_of(LOG_RETENTION_DAYS, "a retention CloudWatch Logs accepts")]
