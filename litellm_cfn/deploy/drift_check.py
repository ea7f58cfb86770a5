"""`deploy --check-drift` and `diff --check-drift`: would the reviewed change set overwrite
changes made by hand?

A resource a change set modifies or removes is written from the template, so whatever was
changed outside CloudFormation is overwritten (or, removed, lost). With --check-drift the
deploy detects drift on the root and every nested stack (`drift.detect_drift`), matches each
MODIFIED or DELETED resource to the review's changes by qualified id
(`<root>/NestedStack/LogicalId`), and stops, abandoning the change set it created (exit 1),
if a Modify or Remove touches one, unless --overwrite-drift is given (a warning per
resource, then it goes on). Drift the change set does not touch is only reported.

Why detection first and not a drift-aware change set: CreateChangeSet's
`DeploymentMode=REVERT_DRIFT` (modelled by the botocore in use, with ResourceChange's
`ResourceDriftStatus`, `BeforeContext`/`AfterContext`, and the `SyncWithActual` action;
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/drift-aware-change-sets.html)
changes what the change set does: it "brings actual resource states in line with template
definitions", reverting every drifted resource, including ones this deploy does not change.
That is a different deploy from the one reviewed without the flag, and a check must not change
what it checks. Detection leaves the change set as it is, reuses the `drift` command's
detection (nested stacks each detected, as DetectStackDrift requires), and works in every
region and against moto. Its cost is the minutes detection takes, paid only with the flag.
"""

from __future__ import annotations

import contextlib
import dataclasses
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from litellm_cfn.deploy.drift import detect_drift
from litellm_cfn.deploy.drift_report import SHOWN_VALUE, DriftReport, ResourceDrift, StackDrift
from litellm_cfn.deploy.flow import abandon, abandoned_on_failure
from litellm_cfn.deploy.review import Change, Review
from litellm_cfn.errors import LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.deploy.changesets import ChangeSet
    from litellm_cfn.deploy.flow import Target

# What writes a resource from the template: its hand-made changes are overwritten or lost.
OVERWRITING_ACTIONS = frozenset({"Modify", "Remove"})
DRIFT_STATUSES = frozenset({"MODIFIED", "DELETED"})


@dataclass(frozen=True)
class Overwrite:
    """A drifted resource and the change that would write over its drift."""

    change: Change
    drift: ResourceDrift


@dataclass(frozen=True)
class DriftCheck:
    """The drift report read against the review."""

    overwrites: tuple[Overwrite, ...]
    untouched: tuple[ResourceDrift, ...]
    unknown: tuple[StackDrift, ...]  # detection failed on a stack the change set changes


def check(report: DriftReport, review: Review) -> DriftCheck:
    """Match drifted resources to the review's changes by qualified id."""
    overwriting = {c.qualified_id: c for c in review.changes if c.action in OVERWRITING_ACTIONS}
    drifted = [r for r in report.resources if r.status in DRIFT_STATUSES]
    changed_stacks = {c.stack for c in overwriting.values()}
    return DriftCheck(
        overwrites=tuple(
            Overwrite(overwriting[r.qualified_id], r)
            for r in drifted
            if r.qualified_id in overwriting
        ),
        untouched=tuple(r for r in drifted if r.qualified_id not in overwriting),
        unknown=tuple(s for s in report.failed if s.stack in changed_stacks),
    )


def overwrite_lines(overwrites: tuple[Overwrite, ...]) -> list[str]:
    """Each overwritten resource, what the change set does to it, and its differences."""
    lines = []
    for item in overwrites:
        drift = item.drift
        lines.append(
            f"  {drift.status} {drift.qualified_id} ({drift.resource_type}): "
            f"the change set would {item.change.action.lower()} it"
        )
        lines += [
            f"    {d.type} {d.path}: template {_shown(d.expected)}, actual {_shown(d.actual)}"
            for d in drift.differences
        ]
    return lines


def _shown(value: str) -> str:
    return textwrap.shorten(value, SHOWN_VALUE, placeholder="...") or value[:SHOWN_VALUE]


def check_drift(
    target: Target,
    review: Review,
    change_set: ChangeSet,
    overwrite: bool,
    stop: bool = True,
) -> DriftCheck:
    """Detect drift and read it against the review. When `stop`, refuse (abandoning the
    change set) to overwrite drift unless `overwrite`; otherwise only report it (`diff`).
    The detection's report goes where progress goes: stdout may carry the JSON review."""
    console = dataclasses.replace(target.console, result=target.console.progress)
    # A deploy whose detection fails (an endpoint, Ctrl-C) abandons its change set, as any
    # step before execution does; diff's stays (it may be kept), reviewed again next time.
    with abandoned_on_failure(target, change_set) if stop else contextlib.nullcontext():
        report = detect_drift(dataclasses.replace(target, console=console), "text")
    found = check(report, review)
    for resource in found.untouched:
        target.console.warn(
            f"warning: {resource.qualified_id} drifted ({resource.status}); "
            "the change set does not touch it"
        )
    for stack in found.unknown:
        target.console.warn(
            f"warning: drift detection failed on {stack.stack}, which the change set changes; "
            "whether it overwrites drift there is not known"
        )
    if not found.overwrites:
        target.echo("drift check: the change set overwrites no drift")
        return found
    lines = overwrite_lines(found.overwrites)
    if overwrite or not stop:
        verb = "overwriting" if overwrite else "would overwrite"
        for item in found.overwrites:
            target.console.warn(f"warning: {verb} drift on {item.drift.qualified_id}")
        target.echo("\n".join(lines))
        return found
    _refuse(target, change_set, lines)


def _refuse(target: Target, change_set: ChangeSet, lines: list[str]) -> NoReturn:
    deleted = abandon(target, change_set)
    raise LitellmCfnError(
        "refusing to execute: the change set would overwrite changes made outside "
        "CloudFormation:\n"
        + "\n".join(lines)
        + f"\n{'the change set was deleted; ' if deleted else ''}"
        "put the changes in the spec, or deploy again with --overwrite-drift to revert them"
    )
