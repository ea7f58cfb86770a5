"""The fleet commands' work: load the fleet and its administration account's clients, build
and package each variant, read the stack sets, predict each template change, plan the waves;
then show it (`fleet diff`), or refuse what is not allowed, ask, and run the waves (`fleet
deploy`)."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.console import Console
from litellm_cfn.errors import InputError, LitellmCfnError, shown
from litellm_cfn.fleet.stacksets import place_text

if TYPE_CHECKING:
    from litellm_cfn.deploy.package import Packaged
    from litellm_cfn.deploy.review import Review
    from litellm_cfn.fleet.load import LoadedFleet, Variant
    from litellm_cfn.fleet.operations import Permissions
    from litellm_cfn.fleet.plan import FleetPlan
    from litellm_cfn.fleet.predict import Templates
    from litellm_cfn.fleet.stacksets import StackSetState
    from nested_stacks.base import StackModule


@dataclass(frozen=True)
class Rollout:
    """A loaded fleet and the clients of the account and region that administer it."""

    loaded: LoadedFleet
    region: str
    cfn: Any
    s3: Any
    console: Console
    stacks: tuple[StackModule, ...] | None = None
    profile: str | None = None

    def administrator_account(self) -> str:
        """The account these credentials are in: it owns the artifacts bucket, and a
        service-managed fleet's execution roles trust its StackSets."""
        from litellm_cfn.deploy.aws import client

        sts = client("sts", self.region, self.profile, self.console.warn)
        return str(sts.get_caller_identity()["Account"])


@dataclass(frozen=True)
class StackSetBuild:
    """One stack set's packaged template, its templates for the review, its permissions."""

    variant: Variant
    packaged: Packaged
    templates: Templates
    permissions: Permissions


@dataclass(frozen=True)
class Prepared:
    """Everything `fleet diff` shows and `fleet deploy` runs."""

    builds: dict[str, StackSetBuild]
    actual: dict[str, StackSetState]
    reviews: dict[str, Review]
    plan: FleetPlan


def load_rollout(
    path: Path,
    profile: str | None,
    region: str | None,
    console: Console,
    stacks: tuple[StackModule, ...] | None = None,
) -> Rollout:
    """Load the fleet; the administration region is `region`, else the spec's."""
    from litellm_cfn.deploy.aws import client
    from litellm_cfn.fleet.load import load_fleet

    gc.enable()  # a rollout is watched for hours: see deploy.flow.load_target
    loaded = load_fleet(path)
    from litellm_cfn.fleet.summary import fleet_warnings

    for warning in fleet_warnings(loaded):
        console.warn(str(warning))
    used = region or loaded.base.region
    cfn = client("cloudformation", used, profile, console.warn)
    s3 = client("s3", used, profile, console.warn)
    return Rollout(loaded, used, cfn, s3, console, stacks, profile)


def prepare(rollout: Rollout, bucket: str | None) -> Prepared:
    """Build, lint and package every variant, read its stack set, predict the review of
    each new template, and plan the waves."""
    from litellm_cfn.fleet.bucket_access import check_bucket_access
    from litellm_cfn.fleet.plan import Desired, plan
    from litellm_cfn.fleet.predict import predict
    from litellm_cfn.fleet.previous import running_templates
    from litellm_cfn.fleet.stacksets import fleet_stack_sets, read_stack_set
    from litellm_cfn.fleet.variants import (
        check_names,
        compile_variants,
        fleet_name,
        places_by_wave,
    )

    loaded = rollout.loaded
    compiled = compile_variants(loaded, rollout.stacks)
    check_names(loaded, compiled)
    used_bucket = _bucket(rollout, bucket)
    account = rollout.administrator_account()
    check_bucket_access(rollout.s3, used_bucket, loaded, account, rollout.console.warn)
    variants = {variant.stack_set_name: variant for variant in loaded.variants}
    builds = {
        name: _build(rollout, variants[name], platform, used_bucket, account)
        for name, platform in compiled.items()
    }
    call_as = next(iter(builds.values())).permissions.call_as
    names = set(builds) | set(fleet_stack_sets(rollout.cfn, fleet_name(loaded), call_as))
    actual = {name: read_stack_set(rollout.cfn, name, call_as) for name in sorted(names)}
    _refuse_foreign(actual, fleet_name(loaded))
    reviews = {
        name: predict(name, running_templates(actual[name], rollout.s3), build.templates)
        for name, build in builds.items()
        if actual[name].template_sha256 != build.packaged.root_sha256
    }
    desired = [
        Desired(name, build.packaged.root_sha256, places_by_wave(loaded, build.variant))
        for name, build in builds.items()
    ]
    waves = [wave.name for wave in loaded.fleet.rollout_waves]
    by_unit = loaded.fleet.permission_model == "SERVICE_MANAGED"
    return Prepared(builds, actual, reviews, plan(waves, desired, actual, by_unit))


def _refuse_foreign(actual: dict[str, StackSetState], fleet: str) -> None:
    """Stop when a stack set the fleet would update is another's: its description does not
    carry this fleet's mark (another fleet's, or one made by hand)."""
    from litellm_cfn.fleet.stacksets import DESCRIPTION_MARK

    mark = f"{DESCRIPTION_MARK} {fleet}:"
    foreign = [s for s in actual.values() if s.exists and not s.description.startswith(mark)]
    if foreign:
        named = ", ".join(f"{s.name} ({shown(s.description, 80)})" for s in foreign)
        raise LitellmCfnError(
            f"the stack sets {named} exist but are not fleet {fleet}'s; refusing to update "
            "them: give the fleet another `name`, or its targets other names"
        )


def _bucket(rollout: Rollout, explicit: str | None) -> str:
    from litellm_cfn.deploy.bootstrap import artifact_bucket

    found = explicit or artifact_bucket(rollout.cfn)
    if not found:
        raise LitellmCfnError(
            f"no artifacts bucket in {rollout.region}: run `litellm-cfn bootstrap --region "
            f"{rollout.region} --trust-account ACCOUNT_ID ...` (or --trust-organization) once, "
            "so every target account may read the templates, or pass --artifact-bucket"
        )
    return found


def _build(
    rollout: Rollout, variant: Variant, compiled: Any, bucket: str, account: str
) -> StackSetBuild:
    from litellm_cfn.compile.artifacts import artifact_prefix
    from litellm_cfn.compile.build import build
    from litellm_cfn.deploy.package import package
    from litellm_cfn.fleet.permissions import permissions_for
    from litellm_cfn.fleet.predict import Templates
    from litellm_cfn.fleet.template_text import parse_template
    from litellm_cfn.fleet.variants import variant_out

    spec = variant.spec
    targets = rollout.loaded.fleet.targets
    regions = sorted({region for name in variant.targets for region in targets[name].regions})
    built = build(spec, variant_out(variant), lint=True, compiled=compiled, regions=regions)
    rendered = {template.file: template.text for template in built.templates}
    prefix = artifact_prefix(spec)
    packaged = package(compiled, rollout.s3, bucket, rollout.region, prefix, rendered=rendered)
    rollout.console.progress(
        f"{variant.stack_set_name}: packaged into s3://{bucket}/{prefix}/: "
        f"{len(packaged.uploaded)} uploaded, {len(packaged.reused)} unchanged"
    )
    nested = {stack.logical_id: stack.template.to_dict() for stack in compiled.nested}
    templates = Templates(parse_template(packaged.root_text), nested)
    permissions = permissions_for(rollout.loaded, variant, compiled, bucket, account)
    return StackSetBuild(variant, packaged, templates, permissions)


def _guarded(prepared: Prepared) -> dict[str, str]:
    """Every name `--allow-replace` accepts for a stateful resource of any stack set
    (`LogicalId`, `NestedStack/LogicalId`, `<stack set>/NestedStack/LogicalId`), each to
    `NestedStack/LogicalId`."""
    from litellm_cfn.deploy.review import STATEFUL_TYPES

    named: dict[str, str] = {}
    for stack_set, build in prepared.builds.items():
        for stack, template in build.templates.nested.items():
            for logical_id, resource in (template.get("Resources") or {}).items():
                if resource.get("Type") in STATEFUL_TYPES:
                    qualified = f"{stack_set}/{stack}/{logical_id}"
                    names = (logical_id, f"{stack}/{logical_id}", qualified)
                    named |= dict.fromkeys(names, f"{stack}/{logical_id}")
    return named


def refuse_unallowed(
    prepared: Prepared, allow_replace: tuple[str, ...], allow_remove: tuple[str, ...]
) -> None:
    """Stop before any change when the plan replaces or removes data nobody named, or names
    what is not in the plan (exit 2)."""
    guarded = _guarded(prepared)
    at_risk = {n for r in prepared.reviews.values() for c in r.data_at_risk for n in c.names}
    unguarded = [name for name in allow_replace if name not in guarded and name not in at_risk]
    if unguarded:
        raise InputError(
            f"--allow-replace {', '.join(shown(n) for n in unguarded)}: no stateful resource "
            f"of the fleet is named so; it guards {', '.join(sorted(set(guarded.values())))}"
        )
    risks = [
        (name, change)
        for name, review in prepared.reviews.items()
        for change in review.unapproved_risks(allow_replace)
    ]
    removals = prepared.plan.removals
    removed_names = {place_text(p) for _, p in removals} | {
        f"{s}/{place_text(p)}" for s, p in removals
    }
    unknown = [name for name in allow_remove if name not in removed_names]
    if unknown:
        raise InputError(
            f"--allow-remove {', '.join(shown(n) for n in unknown)}: the rollout removes no "
            f"such instance; it removes {', '.join(sorted(removed_names)) or 'none'}"
        )
    unallowed = [
        (s, p)
        for s, p in removals
        if not {place_text(p), f"{s}/{place_text(p)}"} & set(allow_remove)
    ]
    problems = []
    if risks:
        named = " ".join(sorted({f"--allow-replace {c.logical_id}" for _, c in risks}))
        problems.append(
            "the new templates would remove or replace data "
            f"({', '.join(c.qualified_id for _, c in risks)}); if that is intended, run "
            f"again with {named}"
        )
    if unallowed:
        named = " ".join(f"--allow-remove {place_text(p)}" for _, p in unallowed)
        problems.append(
            "the rollout deletes the platforms at "
            f"{', '.join(f'{s}/{place_text(p)}' for s, p in unallowed)} (no longer targets); "
            f"if that is intended, run again with {named}"
        )
    if problems:
        raise LitellmCfnError("refusing to roll out: " + "; and ".join(problems))
