"""Stack events as a person watches them: root and nested stacks, each event once, progress,
and on failure the root cause (the first failure of the deepest failing stack)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litellm_cfn.deploy.review import NESTED_STACK

TERMINAL_SUFFIXES = ("_COMPLETE", "_FAILED")


@dataclass(frozen=True)
class Event:
    """One stack event, trimmed to what is shown."""

    event_id: str
    stack_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str
    physical_id: str

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Event:
        """From a DescribeStackEvents entry."""
        return cls(
            event_id=raw["EventId"],
            stack_id=raw["StackId"],
            timestamp=raw["Timestamp"],
            logical_id=raw.get("LogicalResourceId", ""),
            resource_type=raw.get("ResourceType", ""),
            status=raw.get("ResourceStatus", ""),
            reason=raw.get("ResourceStatusReason", "") or "",
            physical_id=raw.get("PhysicalResourceId", "") or "",
        )

    @property
    def failed(self) -> bool:
        """A failure, not a stack's own rollback bookkeeping."""
        return self.status.endswith("_FAILED")


def as_root_cause(event: Event) -> str:
    """A failure as the root cause of an operation; a kept resource's name that a new
    platform collides with points to `deploy --adopt-retained`."""
    from litellm_cfn.deploy.retained import NAME_PROPERTY

    said = f"{event.logical_id} ({event.resource_type}): {event.reason}"
    if event.resource_type in NAME_PROPERTY and "already exists" in event.reason:
        said += (
            "\nif a destroyed platform of this name kept it, delete this failed creation "
            "and bring the platform back around what it kept: deploy --recreate-failed "
            "--adopt-retained"
        )
    return said


@dataclass
class EventLog:
    """Every event seen so far, which stacks they came from, and how deep each stack is."""

    root_id: str
    events: list[Event] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    depth: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.depth.setdefault(self.root_id, 0)

    def add(self, raw_events: list[dict[str, Any]], since: datetime) -> list[Event]:
        """Record new events since `since` (oldest first) and discover nested stacks
        through them."""
        fresh = []
        for raw in sorted(raw_events, key=lambda e: e["Timestamp"]):
            event = Event.from_api(raw)
            if event.event_id in self.seen or event.timestamp < since:
                continue
            self.seen.add(event.event_id)
            self.events.append(event)
            fresh.append(event)
            is_child = event.resource_type == NESTED_STACK and event.physical_id
            if is_child and event.physical_id != event.stack_id:
                self.depth.setdefault(event.physical_id, self.depth.get(event.stack_id, 0) + 1)
        return fresh

    def done(self) -> int:
        """Resources (not stacks) that reached a final state."""
        finished = {
            (e.stack_id, e.logical_id)
            for e in self.events
            if e.resource_type != NESTED_STACK and e.status.endswith("_COMPLETE")
        }
        return len(finished)

    def root_cause(self) -> Event | None:
        """The first failure of the deepest stack that failed."""
        failures = [e for e in self.events if e.failed and e.reason]
        if not failures:
            return None
        deepest = max(self.depth.get(e.stack_id, 0) for e in failures)
        return min(
            (e for e in failures if self.depth.get(e.stack_id, 0) == deepest),
            key=lambda e: e.timestamp,
        )


def watch(
    cloudformation: Any,
    stack_id: str,
    since: datetime,
    echo: Callable[[str], None],
    total: int | None = None,
    poll_seconds: float = 3.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, EventLog]:
    """Stream events of `stack_id` and its nested stacks until it settles; return its status."""
    log = EventLog(stack_id)
    started = time.monotonic()

    def show_new_events() -> None:
        read: set[str] = set()
        while unread := [s for s in log.depth if s not in read]:
            for known in unread:
                read.add(known)
                for event in log.add(_events(cloudformation, known, since), since):
                    echo(_line(event, log, total, time.monotonic() - started))

    while True:
        show_new_events()
        (stack,) = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
        status = stack["StackStatus"]
        if status.endswith(TERMINAL_SUFFIXES):
            show_new_events()
            return status, log
        sleep(poll_seconds)


def _events(cloudformation: Any, stack_id: str, since: datetime) -> list[dict[str, Any]]:
    """Pages of one stack's events, newest first, up to the first one older than `since`
    (`EventLog.add` drops those)."""
    found: list[dict[str, Any]] = []
    paginator = cloudformation.get_paginator("describe_stack_events")
    for page in paginator.paginate(StackName=stack_id):
        events = page["StackEvents"]
        found += events
        if events and events[-1]["Timestamp"] < since:
            break
    return found


def _line(event: Event, log: EventLog, total: int | None, elapsed: float) -> str:
    indent = "  " * log.depth.get(event.stack_id, 0)
    progress = f"[{log.done()}/{total}] " if total else ""
    reason = f"  {event.reason}" if event.reason else ""
    minutes, seconds = divmod(int(elapsed), 60)
    return (
        f"{minutes:02d}:{seconds:02d} {progress}{indent}{event.status:<24} "
        f"{event.logical_id} ({event.resource_type}){reason}"
    )
