"""One fleet target addressed like a platform of its own, for `outputs`, `kube` and `drift`:
the variant the fleet deploys at an account and region, and the root stack StackSets made
for it there, `StackSet-<stack set name>-<uuid>`, found in that account with its
credentials (the administration account cannot read another account's stacks).

StackSets names each stack instance's stack so (an example in AWS's own samples:
https://github.com/aws-samples/aws-control-tower-config-customization/issues/36).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm_cfn.errors import InputError, LitellmCfnError, shown

if TYPE_CHECKING:
    from litellm_cfn.fleet.load import LoadedFleet, Variant
    from litellm_cfn.spec import PlatformSpec

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Every stack status but a finished deletion: ListStacks lists deleted stacks for 90 days.
LIVE_STATUSES = [
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
]


@dataclass(frozen=True)
class FleetInstance:
    """The platform a fleet runs at one account and region."""

    spec: PlatformSpec
    account: str
    region: str
    stack_set: str
    root_stack: str


def parse_place(text: str) -> tuple[str, str]:
    """`ACCOUNT/REGION` as the account id and the region."""
    from litellm_cfn.spec import REGION_PATTERN

    account, _, region = text.partition("/")
    if not (re.fullmatch(r"[0-9]{12}", account) and re.fullmatch(REGION_PATTERN, region)):
        raise InputError(
            "--fleet-target takes ACCOUNT/REGION, such as 111111111111/eu-west-1; "
            f"got {shown(text)}"
        )
    return account, region


def variant_at(loaded: LoadedFleet, account: str, region: str, stack_set: str | None) -> Variant:
    """The variant deployed at `account` and `region` (an organizational unit's target may
    hold any account), or the one named `stack_set` there."""
    found = []
    for variant in loaded.variants:
        for name in variant.targets:
            target = loaded.fleet.targets[name]
            held = account in (target.accounts or ()) or bool(target.organizational_units)
            if held and region in target.regions and variant not in found:
                found.append(variant)
    names = [variant.stack_set_name for variant in found]
    if stack_set is not None:
        found = [variant for variant in found if variant.stack_set_name == stack_set]
    if len(found) == 1:
        return found[0]
    where = f"{account}/{region}"
    if not names:
        raise InputError(f"{loaded.path} deploys nothing to {where}")
    if not found:
        raise InputError(f"--stack-set {shown(stack_set)}: {where} runs {', '.join(names)}")
    raise InputError(f"{where} runs {', '.join(names)}: say which with --stack-set")


def instance_stack(cloudformation: Any, stack_set: str, where: str) -> str:
    """The root stack of `stack_set`'s instance in the client's account and region."""
    pattern = re.compile(rf"StackSet-{re.escape(stack_set)}-{_UUID}")
    found = sorted(
        str(summary["StackName"])
        for page in cloudformation.get_paginator("list_stacks").paginate(
            StackStatusFilter=LIVE_STATUSES
        )
        for summary in page.get("StackSummaries", [])
        if pattern.fullmatch(str(summary.get("StackName", ""))) and not summary.get("ParentId")
    )
    if len(found) != 1:
        raise LitellmCfnError(
            f"{'no stack' if not found else 'several stacks'} of stack set {stack_set} in "
            f"{where}{': ' + ', '.join(found) if found else ''}; `litellm-cfn fleet status` "
            "shows where each instance runs"
        )
    return found[0]


def locate(
    fleet_path: Path,
    place: str,
    stack_set: str | None,
    profile: str | None,
    notice: Callable[[str], None] | None = None,
    offline: bool = False,
) -> FleetInstance:
    """The platform the fleet at `fleet_path` runs at `place` (ACCOUNT/REGION), read with
    credentials (`profile`) of that account; `offline`, its variant alone (no root stack)."""
    from litellm_cfn.deploy.aws import aws_errors, client
    from litellm_cfn.fleet.load import load_fleet

    account, region = parse_place(place)
    variant = variant_at(load_fleet(fleet_path), account, region, stack_set)
    if offline:
        return FleetInstance(variant.spec, account, region, variant.stack_set_name, "")
    with aws_errors(f"find the stack of {variant.stack_set_name} in {place}"):
        caller = client("sts", region, profile, notice).get_caller_identity()["Account"]
        if caller != account:
            raise InputError(
                f"the credentials are for account {caller}, the fleet target is {account}: "
                "pass --profile (or set AWS_PROFILE) for the target account"
            )
        cloudformation = client("cloudformation", region, profile, notice)
        root = instance_stack(cloudformation, variant.stack_set_name, place)
    return FleetInstance(variant.spec, account, region, variant.stack_set_name, root)
