"""What a PostgreSQL engine upgrade looks like in a change set, told apart from a replacement.

A major upgrade raises the instance's EngineVersion and swaps its parameter group, whose
`Family` "Update requires: Replacement" (CloudFormation template reference,
AWS::RDS::DBParameterGroup). The instance's new `DBParameterGroupName` is then a Ref to a group
not yet made (ChangeSource `ResourceReference`, CausingEntity the group, Evaluation `Dynamic`),
so the change set marks the instance `Replacement: Conditional` (CloudFormation API Reference,
ResourceChange: a cause `Conditionally`, or `Always` evaluated `Dynamic`, gives Conditional).
Yet `EngineVersion` and `DBParameterGroupName` update the instance in place with "Some
interruptions", and `AllowMajorVersionUpgrade` with none (AWS::RDS::DBInstance). RDS takes a
snapshot before a major upgrade and another after it (RDS User Guide, "Upgrading the PostgreSQL
DB engine for Amazon RDS"). Any other cause, or any of these `Always`, is still a replacement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DB_INSTANCE = "AWS::RDS::DBInstance"
CAUSES = frozenset({"EngineVersion", "AllowMajorVersionUpgrade", "DBParameterGroupName"})
REASON = (
    "a database engine upgrade: downtime while RDS upgrades in place; take a snapshot first "
    "(RDS takes one before a major upgrade too); the stack policy still denies replacing it"
)
_STRENGTH = {"Conditionally": 1, "Always": 2}


def recreation(targets: Iterable[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """Each named property that may force recreation, with the strongest RequiresRecreation
    the change set gives it: one property can be reached several ways (directly, and through
    a Ref to a replaced resource)."""
    strongest: dict[str, str] = {}
    for target in targets:
        name, need = target.get("Name"), target.get("RequiresRecreation", "Never")
        if name and _STRENGTH.get(need, 0) > _STRENGTH.get(strongest.get(name, ""), 0):
            strongest[name] = need
    return tuple(sorted(strongest.items()))


def is_engine_upgrade(
    resource_type: str, action: str, replacement: str, causes: tuple[tuple[str, str], ...]
) -> bool:
    """A DB instance that may be replaced only because of its engine version, its permission
    to upgrade a major, or its parameter group, none of them `Always`: RDS upgrades in place."""
    return (
        resource_type == DB_INSTANCE
        and action == "Modify"
        and replacement == "Conditional"
        and bool(causes)
        and all(name in CAUSES and need != "Always" for name, need in causes)
    )
