"""A fleet's variants compiled and placed: each distinct spec compiled once, the names the
templates write proven not to collide where the fleet puts them, and each stack set's places
by wave."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litellm_cfn.compile.build import DEFAULT_OUT
from litellm_cfn.errors import Problem, SpecError

if TYPE_CHECKING:
    from litellm_cfn.compile.compiler import CompiledPlatform
    from litellm_cfn.fleet.load import LoadedFleet, Variant
    from litellm_cfn.fleet.stacksets import Place
    from nested_stacks.base import StackModule


def fleet_name(loaded: LoadedFleet) -> str:
    """The fleet's name: its `name`, else the spec's `<name>-<environment>`."""
    return loaded.fleet.name or loaded.base.stack_name


def variant_out(variant: Variant) -> Path:
    """`templates_out/<stack set name>`: variants may share a platform name, never a stack
    set's."""
    return DEFAULT_OUT / variant.stack_set_name


def compile_variants(
    loaded: LoadedFleet, stacks: tuple[StackModule, ...] | None = None
) -> dict[str, CompiledPlatform]:
    """Each variant's compiled platform by stack set name; variants with the same spec share
    one compilation."""
    from litellm_cfn.compile.compiler import compile_platform

    by_spec: dict[str, CompiledPlatform] = {}
    compiled = {}
    for variant in loaded.variants:
        key = variant.spec.model_dump_json()
        if key not in by_spec:
            by_spec[key] = (
                compile_platform(variant.spec)
                if stacks is None
                else compile_platform(variant.spec, stacks)
            )
        compiled[variant.stack_set_name] = by_spec[key]
    return compiled


def check_names(loaded: LoadedFleet, compiled: dict[str, CompiledPlatform]) -> None:
    """Refuse, located at the targets involved, any name two deployments of the fleet would
    both claim (an IAM name in two regions of one account, a cluster name twice in one
    account and region...)."""
    from litellm_cfn.fleet.names import Placement, collisions

    placements = []
    problems = _repeated_places(loaded)
    for variant in loaded.variants:
        templates = {
            file: template.to_dict()
            for file, template in compiled[variant.stack_set_name].templates.items()
        }
        for name in variant.targets:
            target = loaded.fleet.targets[name]
            placements.append(
                Placement(
                    name,
                    templates,
                    target.accounts or (),
                    target.organizational_units or (),
                    tuple(target.regions),
                    variant.stack_set_name,
                )
            )
    problems += [
        loaded.source.problem(("targets", collision.targets[-1]), collision.message)
        for collision in collisions(placements)
    ]
    if problems:
        raise SpecError(problems)


def _repeated_places(loaded: LoadedFleet) -> list[Problem]:
    """A place given by two targets of one stack set: StackSets runs one instance of a stack
    set per account and region, so one of them would silently be the other."""
    problems = []
    for variant in loaded.variants:
        first: dict[Place, str] = {}
        for name in variant.targets:
            target = loaded.fleet.targets[name]
            for where in target.organizational_units or target.accounts or ():
                for region in target.regions:
                    earlier = first.setdefault((where, region), name)
                    if earlier != name:
                        problems.append(
                            loaded.source.problem(
                                ("targets", name),
                                f"{where}/{region} is also in target {earlier}, of the same "
                                f"stack set {variant.stack_set_name}: StackSets runs one "
                                "instance per account and region; give it once",
                            )
                        )
    return problems


def places_by_wave(loaded: LoadedFleet, variant: Variant) -> dict[str, tuple[Place, ...]]:
    """Where the variant's stack set runs, by wave: each target's accounts (or organizational
    units) in each of its regions."""
    waves = {name: wave.name for wave in loaded.fleet.rollout_waves for name in wave.targets}
    places: dict[str, list[Place]] = {}
    for name in variant.targets:
        target = loaded.fleet.targets[name]
        where = target.organizational_units or target.accounts or ()
        wave = places.setdefault(waves[name], [])
        wave += [(w, region) for w in where for region in target.regions]
    return {wave: tuple(sorted(set(found))) for wave, found in places.items()}
