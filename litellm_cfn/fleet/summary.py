"""Text a person reads about a fleet: its stack sets, their targets, and the waves."""

from __future__ import annotations

from litellm_cfn.errors import Problem
from litellm_cfn.fleet.load import LoadedFleet
from litellm_cfn.fleet.model import FleetTarget, Wave
from litellm_cfn.fleet.preferences import strict_caps_percentage
from litellm_cfn.spec.report import summary


def fleet_summary(loaded: LoadedFleet) -> list[str]:
    """Each stack set with its platform and targets, then the waves in order."""
    fleet = loaded.fleet
    sets = len(loaded.variants)
    lines = [
        f"{loaded.path}: valid: {sets} stack set{'s' if sets != 1 else ''} of {loaded.spec_path}, "
        f"{fleet.permission_model.lower().replace('_', '-')} permissions",
    ]
    for variant in loaded.variants:
        lines += ["", f"stack set {variant.stack_set_name}: {summary(variant.spec)}"]
        lines += [f"  {name}: {_where(fleet.targets[name])}" for name in variant.targets]
    lines += ["", "waves, in order:"]
    for number, wave in enumerate(fleet.rollout_waves, start=1):
        lines.append(f"  {number}. {wave.name}: {', '.join(wave.targets)}; {_pace(wave)}")
    return lines


def fleet_warnings(loaded: LoadedFleet) -> list[Problem]:
    """What the fleet file says that AWS will do otherwise than it reads, located."""
    warnings = []
    for index, wave in enumerate(loaded.fleet.rollout_waves):
        capped = strict_caps_percentage(wave)
        if capped and loaded.fleet.waves is not None:
            path = ("waves", index, "max_concurrent")
            warnings.append(loaded.source.problem(path, capped, "warning"))
    return warnings


def _where(target: FleetTarget) -> str:
    """`accounts 111111111111, 222222222222 x regions us-east-1, eu-west-1`."""
    if target.accounts is not None:
        places = f"accounts {', '.join(target.accounts)}"
    else:
        places = f"organizational units {', '.join(target.organizational_units or ())}"
    return f"{places} x regions {', '.join(target.regions)}"


def _pace(wave: Wave) -> str:
    """`max_concurrent 50%, failure_tolerance 0, regions SEQUENTIAL (us-east-1 then
    eu-west-1), STRICT_FAILURE_TOLERANCE`."""
    regions = f"regions {wave.region_concurrency}"
    if wave.region_order is not None:
        regions += f" ({' then '.join(wave.region_order)})"
    return (
        f"max_concurrent {wave.max_concurrent}, failure_tolerance {wave.failure_tolerance}, "
        f"{regions}, {wave.concurrency_mode}"
    )
