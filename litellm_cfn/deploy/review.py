"""The review of a change set, root and every nested one: pure data in, tables or JSON out.

Three classes of change are called out above the tables, because they are the ones a person
must not miss: data at risk (a stateful resource removed or replaced), downtime (a service
LiteLLM needs while it runs removed or replaced, which loses no platform data) and access
broadened (IAM, security groups, access entries, key and bucket policies added or changed).
A PostgreSQL engine upgrade, which CloudFormation can only call a possible replacement of the
instance, is told apart and shown as downtime.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from litellm_cfn.deploy import engine_upgrade
from litellm_cfn.text import columns

# Resources whose removal or replacement loses data or breaks every client.
STATEFUL_TYPES = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::EKS::Cluster",
        "AWS::IAM::OIDCProvider",
        "AWS::S3::Bucket",
    }
)
# Resources whose removal or replacement interrupts LiteLLM but loses none of the platform's
# data: the cache holds rate-limit counters and cached responses, rebuilt as traffic flows.
DISRUPTIVE_TYPES = frozenset({"AWS::ElastiCache::ReplicationGroup"})
# Resources whose addition or change can widen who may do what.
ACCESS_TYPES = frozenset(
    {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::InstanceProfile",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EKS::AccessEntry",
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::ResourcePolicy",
    }
)
NESTED_STACK = "AWS::CloudFormation::Stack"
SHARED_STATE_RESTARTS = "LiteLLM's shared state restarts empty"


@dataclass(frozen=True)
class Change:
    """One resource change of one stack's change set."""

    stack: str
    action: str
    logical_id: str
    resource_type: str
    replacement: str
    causes: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    # Each cause with the strongest RequiresRecreation the change set gives it.
    recreation: tuple[tuple[str, str], ...] = ()

    @property
    def qualified_id(self) -> str:
        """`<root stack name>/NestedStack/LogicalId`, unique across the root and nested stacks."""
        return f"{self.stack}/{self.logical_id}"

    @property
    def names(self) -> frozenset[str]:
        """What `--allow-replace` may name it by: `LogicalId`, `NestedStack/LogicalId` (just
        `LogicalId` in the root) or the qualified id."""
        _, _, nested = self.stack.partition("/")
        relative = f"{nested}/{self.logical_id}" if nested else self.logical_id
        return frozenset({self.logical_id, relative, self.qualified_id})

    @property
    def loses_data(self) -> bool:
        """Removal or (possible) replacement of a stateful resource or a whole nested stack."""
        stateful = self.resource_type in STATEFUL_TYPES or (
            self.resource_type == NESTED_STACK and self.action == "Remove"
        )
        return self._destructive and stateful and not self.upgrades_engine

    @property
    def interrupts_service(self) -> bool:
        """Removal or (possible) replacement of something LiteLLM needs while it runs, or an
        engine upgrade of the database."""
        disruptive = self.resource_type in DISRUPTIVE_TYPES and self._destructive
        return disruptive or self.upgrades_engine

    @property
    def upgrades_engine(self) -> bool:
        """A database engine upgrade, in place, which the change set can only call a possible
        replacement (see `engine_upgrade`)."""
        return engine_upgrade.is_engine_upgrade(
            self.resource_type, self.action, self.replacement, self.recreation
        )

    @property
    def downtime_reason(self) -> str:
        """Why the change interrupts LiteLLM, and what it costs."""
        return engine_upgrade.REASON if self.upgrades_engine else SHARED_STATE_RESTARTS

    @property
    def _destructive(self) -> bool:
        return self.action == "Remove" or self.replacement in ("True", "Conditional")

    @property
    def broadens_access(self) -> bool:
        """Addition or change of something that grants access."""
        if self.action not in ("Add", "Modify"):
            return False
        key_policy = self.resource_type == "AWS::KMS::Key" and (
            self.action == "Add" or "KeyPolicy" in self.properties
        )
        return self.resource_type in ACCESS_TYPES or key_policy


@dataclass(frozen=True)
class StackReview:
    """The changes of one stack's change set."""

    stack: str
    change_set_id: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Review:
    """Every stack's changes, and the two classes called out."""

    stacks: tuple[StackReview, ...]

    @property
    def changes(self) -> list[Change]:
        """All resource changes, root first, nested stacks in the order they were found."""
        return [change for stack in self.stacks for change in stack.changes]

    @property
    def data_at_risk(self) -> list[Change]:
        """Changes that could lose data."""
        return [c for c in self.changes if c.loses_data]

    @property
    def downtime(self) -> list[Change]:
        """Changes that interrupt LiteLLM without losing data."""
        return [c for c in self.changes if c.interrupts_service]

    @property
    def access_broadened(self) -> list[Change]:
        """Changes that could widen access."""
        return [c for c in self.changes if c.broadens_access]

    def unapproved_risks(self, allowed: Iterable[str]) -> list[Change]:
        """Data at risk not named by `--allow-replace` (by any of `Change.names`)."""
        names = set(allowed)
        return [c for c in self.data_at_risk if not c.names & names]

    def counts(self) -> dict[str, int]:
        """How many resources (nested stacks included) each action touches."""
        totals: dict[str, int] = {}
        for change in self.changes:
            totals[change.action] = totals.get(change.action, 0) + 1
        return dict(sorted(totals.items()))


def stack_changes(
    stack: str, description: dict[str, Any]
) -> tuple[StackReview, list[tuple[str, str]]]:
    """One DescribeChangeSet response as a StackReview, and its nested stacks' change sets
    as (logical id, change set id)."""
    changes = []
    nested = []
    for entry in description.get("Changes", []):
        resource = entry.get("ResourceChange")
        if entry.get("Type") != "Resource" or resource is None:
            continue
        targets = [d.get("Target", {}) for d in resource.get("Details", [])]
        named = [t for t in targets if t.get("Name")]
        recreation = engine_upgrade.recreation(named)
        properties = tuple(sorted({t["Name"] for t in named}))
        changes.append(
            Change(
                stack=stack,
                action=resource["Action"],
                logical_id=resource["LogicalResourceId"],
                resource_type=resource["ResourceType"],
                replacement=resource.get("Replacement", "False") or "False",
                causes=tuple(name for name, _ in recreation),
                properties=properties,
                recreation=recreation,
            )
        )
        if resource["ResourceType"] == NESTED_STACK and resource.get("ChangeSetId"):
            nested.append((resource["LogicalResourceId"], resource["ChangeSetId"]))
    review = StackReview(stack, description.get("ChangeSetId", ""), tuple(changes))
    return review, nested


def render_text(review: Review, colour: bool = False) -> str:
    """The review for a person: call-outs, then one table per stack, then the counts."""

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    lines: list[str] = []
    if review.data_at_risk:
        lines.append(paint("DATA AT RISK (refused unless --allow-replace names each):", "1;31"))
        lines += [
            f"  {c.action} {c.qualified_id} ({c.resource_type}){_why(c)}"
            for c in review.data_at_risk
        ]
        lines.append("")
    if review.downtime:
        lines += _downtime(review.downtime, paint)
    if review.access_broadened:
        lines.append(paint("ACCESS BROADENED (check who may now do what):", "1;33"))
        lines += [
            f"  {c.action} {c.qualified_id} ({c.resource_type})" for c in review.access_broadened
        ]
        lines.append("")
    for stack in review.stacks:
        if not stack.changes:
            continue
        lines.append(paint(f"{stack.stack}:", "1"))
        lines += _table(stack.changes, paint)
        lines.append("")
    counts = review.counts()
    summary = ", ".join(f"{n} to {action.lower()}" for action, n in counts.items()) or "no changes"
    lines.append(f"{len(review.changes)} changes in {len(review.stacks)} stacks: {summary}")
    return "\n".join(lines)


def _downtime(changes: Sequence[Change], paint: Any) -> list[str]:
    # One reason for all (the cache's) heads the list, as before; otherwise each line has its own.
    shared = all(c.downtime_reason == SHARED_STATE_RESTARTS for c in changes)
    title = f"DOWNTIME (no data lost{'; ' + SHARED_STATE_RESTARTS if shared else ''}):"
    return [
        paint(title, "1;35"),
        *(
            f"  {c.action} {c.qualified_id} ({c.resource_type}){_why(c)}"
            f"{'' if shared else ': ' + c.downtime_reason}"
            for c in changes
        ),
        "",
    ]


def _why(change: Change) -> str:
    return f" because of {', '.join(change.causes)}" if change.causes else ""


_COLOURS = {"Add": "32", "Modify": "33", "Remove": "31", "Import": "36", "Dynamic": "35"}


def _table(changes: Sequence[Change], paint: Any) -> list[str]:
    header = ("Action", "Logical ID", "Type", "Replacement", "Because of")
    rows = [
        (c.action, c.logical_id, c.resource_type, c.replacement, ", ".join(c.causes))
        for c in changes
    ]
    table = [header, *rows]

    def colour(cell: str, index: int) -> str:
        return paint(cell, _COLOURS.get(table[index][0], "0")) if index else cell

    return ["  " + line for line in columns(table, first_cell=colour)]


def render_json(review: Review) -> str:
    """The review for machines."""
    document = {
        "stacks": [
            {
                "stack": s.stack,
                "change_set_id": s.change_set_id,
                "changes": [asdict(c) for c in s.changes],
            }
            for s in review.stacks
        ],
        "data_at_risk": [c.qualified_id for c in review.data_at_risk],
        "downtime": [c.qualified_id for c in review.downtime],
        "access_broadened": [c.qualified_id for c in review.access_broadened],
        "counts": review.counts(),
    }
    return json.dumps(document, indent=2)
