"""`fleet status`: every stack instance of the fleet, with its status, its drift status
(after DetectStackSetDrift when asked) and the template it runs; declared targets with no
instance and instances no target declares are listed too.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DetectStackSetDrift.html
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from litellm_cfn.deploy.changesets import poll_seconds
from litellm_cfn.fleet.flow import Rollout
from litellm_cfn.fleet.operations import Permissions, StackSetOperations
from litellm_cfn.fleet.stacksets import StackSetState, fleet_stack_sets, read_stack_set
from litellm_cfn.fleet.variants import fleet_name, places_by_wave
from litellm_cfn.text import columns

# Drift detection changes nothing: every account and region at once.
DRIFT_PREFERENCES = {
    "MaxConcurrentPercentage": 100,
    "FailureTolerancePercentage": 100,
    "RegionConcurrencyType": "PARALLEL",
}
NOT_DEPLOYED = "NOT DEPLOYED"


@dataclass(frozen=True)
class Row:
    """One place of one stack set."""

    stack_set: str
    target: str  # account or organizational unit
    region: str
    status: str
    detailed_status: str
    drift: str
    template: str
    note: str = ""
    reason: str = ""  # StackSets' StatusReason, when it gives one
    last_drift_check: str = ""

    @property
    def healthy(self) -> bool:
        """Running the stack set's template, its last operation succeeded, not drifted."""
        return (
            self.status == "CURRENT"
            and self.detailed_status == "SUCCEEDED"
            and self.drift != "DRIFTED"
            and not self.note
        )


def fleet_status(rollout: Rollout, detect_drift: bool) -> list[Row]:
    """Every row of the fleet, detecting drift first when asked."""
    loaded = rollout.loaded
    organization = loaded.fleet.organization
    call_as = organization.call_as if organization else "SELF"
    declared = {
        variant.stack_set_name: {
            place for places in places_by_wave(loaded, variant).values() for place in places
        }
        for variant in loaded.variants
    }
    names = set(declared) | set(fleet_stack_sets(rollout.cfn, fleet_name(loaded), call_as))
    rows: list[Row] = []
    for name in sorted(names):
        state = read_stack_set(rollout.cfn, name, call_as)
        if detect_drift and state.instances:
            permissions = Permissions(model=loaded.fleet.permission_model, call_as=call_as)
            operations = StackSetOperations(
                rollout.cfn, permissions, rollout.console.progress, poll_seconds()
            )
            operations.detect_drift(name, DRIFT_PREFERENCES)
            state = read_stack_set(rollout.cfn, name, call_as)
        rows += _rows(state, declared.get(name, set()), organization is not None)
    return rows


def _rows(state: StackSetState, declared: set[tuple[str, str]], by_unit: bool) -> list[Row]:
    """One row per instance (an organizational unit's, one per account in it), then one per
    declared place that runs none."""
    version = state.template_sha256[:12]
    rows = []
    for instance in state.instances if state.exists else ():
        where, region = instance.place(by_unit)
        rows.append(
            Row(
                state.name,
                f"{where} {instance.account}" if by_unit else where,
                region,
                instance.status,
                instance.detailed_status,
                instance.drift,
                version if instance.status == "CURRENT" else "an earlier one",
                "" if (where, region) in declared else "no longer a target",
                instance.reason,
                instance.last_drift_check,
            )
        )
    running = {instance.place(by_unit) for instance in state.instances}
    rows += [
        Row(state.name, where, region, NOT_DEPLOYED, "", "", "", "declared, not deployed")
        for where, region in sorted(declared - running)
    ]
    return rows


def render_text(rows: list[Row]) -> str:
    """The rows as a table, then how many are healthy."""
    header = ("Stack set", "Target", "Region", "Status", "Detailed", "Drift", "Template", "Note")
    table = [
        (r.stack_set, r.target, r.region, r.status, r.detailed_status, r.drift, r.template, r.note)
        for r in rows
    ]
    healthy = sum(row.healthy for row in rows)
    why = [
        f"  {r.stack_set} {r.target}/{r.region}: {r.reason}"
        for r in rows
        if r.reason and not r.healthy
    ]
    return "\n".join([*columns([header, *table]), *why, f"{healthy} of {len(rows)} healthy"])


def render_json(rows: list[Row]) -> str:
    """The rows for machines."""
    return json.dumps([asdict(row) | {"healthy": row.healthy} for row in rows], indent=2)
