"""Load a fleet file: its models, the platform spec it names, and one variant per stack set.

Targets without an overlay share one stack set of the spec itself; a target with an overlay
gets a stack set of its own, from the spec with its overlay set. The spec alone is validated
first: if it is invalid, its problems are reported as `validate` reports them, and no
variant's. Then every variant, every problem at once, each where its value was written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from litellm_cfn.errors import InputError, Problem, SpecError, shown
from litellm_cfn.fleet.model import FleetSpec, FleetTarget
from litellm_cfn.fleet.overlay import FleetSourceMap, OverlaySourceMap, apply_overlay
from litellm_cfn.spec import PlatformSpec, source, validate_data
from litellm_cfn.spec.lock import Lock, apply_lock, lock_path, read_lock
from litellm_cfn.spec.source import SourceMap


@dataclass(frozen=True)
class Variant:
    """One stack set: the base spec for targets without an overlay, or one target's overlaid
    spec."""

    stack_set_name: str
    spec: PlatformSpec  # overlaid, then the spec's version lock applied as load_spec does
    targets: tuple[str, ...]  # target names deployed from it, in file order


@dataclass(frozen=True)
class LoadedFleet:
    """A validated fleet, its spec and its variants, and where the fleet's values were written."""

    path: Path  # the fleet file as given
    fleet: FleetSpec
    spec_path: Path  # the spec, resolved relative to the fleet file's folder
    base: PlatformSpec
    variants: tuple[Variant, ...]  # the base first (if a target has no overlay), then overlaid
    source: SourceMap  # the fleet file's marks, for later located errors

    def variant_of(self, target: str) -> Variant:
        """The variant `target` is deployed from."""
        for variant in self.variants:
            if target in variant.targets:
                return variant
        raise KeyError(f"no target named {shown(target)} in {self.path}")


@dataclass(frozen=True)
class _Spec:
    """The platform spec a fleet names: as parsed, as validated, and its lock."""

    path: Path
    data: Any  # a mapping, once the spec is valid
    source: SourceMap
    spec: PlatformSpec
    lock: tuple[Lock, SourceMap] | None


def load_fleet(path: Path) -> LoadedFleet:
    """Read, parse and validate a fleet file and the spec it names, and make its variants;
    a SpecError lists every problem, each located in the fleet file or the spec."""
    fleet, where = _read_fleet(path)
    base = _read_spec(Path(os.path.normpath(path.parent / fleet.spec)), where)
    locked = _locked(base.spec, base)
    name = fleet.name or base.spec.stack_name
    variants: list[Variant] = []
    problems: list[Problem] = []
    plain = tuple(target for target, settings in fleet.targets.items() if not settings.overlay)
    if plain:
        variants.append(Variant(name, locked, plain))
    for target, settings in fleet.targets.items():
        if settings.overlay:
            try:
                spec = _overlaid(target, settings, base, where)
            except SpecError as error:
                problems += error.problems
                continue
            variants.append(Variant(f"{name}-{target}", spec, (target,)))
    problems += _zones_fit_regions(fleet, variants, where)
    if problems:
        order = sorted(
            problems, key=lambda p: (p.file != where.file, p.file, p.line, p.column, p.path)
        )
        raise SpecError(order)
    return LoadedFleet(path, fleet, base.path, locked, tuple(variants), where)


def _read_fleet(path: Path) -> tuple[FleetSpec, FleetSourceMap]:
    if not path.exists():
        raise InputError(
            f"{path}: no such file (pass the fleet file's path, e.g. "
            "`litellm-cfn fleet validate specs/fleets/example.yaml`)"
        )
    data, marks = source.load(path)
    where = FleetSourceMap(marks.file, marks.marks)
    if not isinstance(data, dict):
        what = "the file is empty" if data is None else "the fleet file is not a mapping"
        raise SpecError([where.problem((), f"{what}: a fleet needs `spec:` and `targets:`")])
    try:
        return FleetSpec.model_validate(data), where
    except ValidationError as error:
        from litellm_cfn.spec.problems import problems_from

        raise SpecError(problems_from(error, where, FleetSpec)) from None


def _read_spec(path: Path, where: SourceMap) -> _Spec:
    """The spec a fleet names; one it cannot read is a problem at its `spec` key."""
    try:
        data, marks = source.load(path)
    except SpecError:
        raise
    except InputError as error:
        why = str(error) if path.exists() else f"{path}: no such file"
        message = f"{why} (`spec` is relative to the fleet file's folder)"
        raise SpecError([where.problem(("spec",), message)]) from None
    spec = validate_data(data, marks)
    return _Spec(path, data, marks, spec, read_lock(lock_path(path)))


def _overlaid(target: str, settings: FleetTarget, base: _Spec, where: SourceMap) -> PlatformSpec:
    """The spec with `target`'s overlay set, validated, located, and locked; a SpecError
    lists the keys that cannot be set and every problem of the others at once."""
    data, refused = apply_overlay(base.data, base.spec.model_dump(mode="json"), settings.overlay)
    problems = [where.problem(("targets", target, "overlay", key), why) for key, why in refused]
    located = OverlaySourceMap(base.source, where, target, settings.overlay)
    try:
        spec = validate_data(data, located)
    except SpecError as error:
        raise SpecError([*problems, *error.problems]) from None
    if problems:
        raise SpecError(problems)
    # The lock's add-on versions are those of one Kubernetes version, the spec's.
    if base.lock is not None and base.lock[0].kubernetes_version != spec.eks.cluster_version:
        message = (
            f"the spec's lock, {lock_path(base.path).name}, pins add-on versions for "
            f"Kubernetes {base.lock[0].kubernetes_version}: a target may not change it"
        )
        raise SpecError([located.problem(("eks", "cluster_version"), message)])
    return _locked(spec, base)


def _locked(spec: PlatformSpec, base: _Spec) -> PlatformSpec:
    """`spec` with the add-on versions of the spec's lock, as `load_spec` gives it."""
    if base.lock is None:
        return spec
    eks = apply_lock(spec.eks, *base.lock, spec_file=str(base.path))
    return spec.model_copy(update={"eks": eks})


def _zones_fit_regions(
    fleet: FleetSpec, variants: list[Variant], where: SourceMap
) -> list[Problem]:
    """`vpc.availability_zones` names zones of the spec's region: a variant that sets them
    deploys to that region alone."""
    problems: list[Problem] = []
    for variant in variants:
        region = variant.spec.region
        if not variant.spec.vpc.availability_zones:
            continue
        for target in variant.targets:
            foreign = [r for r in fleet.targets[target].regions if r != region]
            if foreign:
                listed = shown(", ".join(foreign), 80).strip("'\"")
                problems.append(
                    where.problem(
                        ("targets", target, "regions"),
                        f"vpc.availability_zones names zones of {region}, the spec's region, "
                        f"so this target deploys there alone, not to {listed}; leave "
                        "availability_zones empty to use each region's first zones",
                    )
                )
    return problems
