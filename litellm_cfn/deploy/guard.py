"""What keeps the platform's data through an update: stack policies that deny replacing or
deleting stateful resources (lifted for one execution only where `--allow-replace` names a
resource), and termination protection on the root stack.

Setting the policies is all or nothing: when a call fails or is interrupted midway, the
strict policy goes back on every stack where it was already lifted, and if even that fails,
`PoliciesLeftOpen` names the stacks that stay open.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litellm_cfn.compile.compiler import CompiledPlatform
from litellm_cfn.deploy.aws import described_stack
from litellm_cfn.deploy.outputs import nested_stack_ids
from litellm_cfn.deploy.review import STATEFUL_TYPES
from litellm_cfn.deploy.stack_state import REVIEW_IN_PROGRESS, ROLLBACK_COMPLETE, stack_policy
from litellm_cfn.errors import LitellmCfnError

# An empty stack holding a change set, or a failed creation that must be deleted to retry.
NOTHING_TO_PROTECT = (REVIEW_IN_PROGRESS, ROLLBACK_COMPLETE)


@dataclass(frozen=True)
class Guarded:
    """What the stack policies protect: in each nested stack (by its logical id in the root)
    its stateful resources, and in the root the nested stacks that hold any."""

    root: list[str]
    nested: dict[str, list[str]]

    def names(self, stack_name: str) -> dict[str, str]:
        """Every name `--allow-replace` accepts for a guarded resource (`LogicalId`,
        `NestedStack/LogicalId`, `<stack name>/NestedStack/LogicalId`), to how the review
        shows it."""
        named: dict[str, str] = {}
        for logical in self.root:
            named |= dict.fromkeys((logical, f"{stack_name}/{logical}"), logical)
        for stack, ids in self.nested.items():
            for logical in ids:
                relative = f"{stack}/{logical}"
                named |= dict.fromkeys((logical, relative, f"{stack_name}/{relative}"), relative)
        return named


def stateful_ids(compiled: CompiledPlatform) -> Guarded:
    """The stateful logical ids of every stack of `compiled`."""
    nested = {
        stack.logical_id: ids
        for stack in compiled.nested
        if (
            ids := [
                name
                for name, resource in stack.template.resources.items()
                if resource.resource_type in STATEFUL_TYPES
            ]
        )
    }
    return Guarded(sorted(nested), nested)


class PoliciesLeftOpen(LitellmCfnError):
    """Setting the stack policies failed midway and so did setting the strict ones back."""

    def __init__(self, stacks: list[str], failure: BaseException) -> None:
        self.stacks = stacks
        reason = " ".join(str(failure).split())[:300] or type(failure).__name__
        super().__init__(
            f"setting the stack policies failed ({reason}), and the strict policy could not "
            f"be set again on {', '.join(stacks)}: their stateful resources may be replaced"
        )


def set_policies(cfn: Any, stack_name: str, protected: Guarded, allowed: Iterable[str]) -> None:
    """Deny replacing and deleting the stateful resources of the root and every nested stack,
    except those `allowed` for the next execution. All or nothing: see the module's doc."""
    allow = set(allowed)
    physical = nested_stack_ids(cfn, stack_name)
    stacks = [
        (physical[logical], f"{logical}/", ids)
        for logical, ids in protected.nested.items()
        if logical in physical
    ] + [(stack_name, "", protected.root)]
    lifted: list[tuple[str, list[str]]] = []
    try:
        for stack, prefix, ids in stacks:
            kept = [i for i in ids if not {i, f"{prefix}{i}", f"{stack_name}/{prefix}{i}"} & allow]
            cfn.set_stack_policy(StackName=stack, StackPolicyBody=stack_policy(kept))
            if kept != ids:
                lifted.append((stack, ids))
    except BaseException as failure:
        still_open = _set_strict_again(cfn, lifted)
        if still_open:
            raise PoliciesLeftOpen(still_open, failure) from failure
        raise


def _set_strict_again(cfn: Any, lifted: list[tuple[str, list[str]]]) -> list[str]:
    """Set the strict policy on each stack in `lifted`; the stacks where that failed."""
    still_open = []
    for stack, ids in reversed(lifted):
        try:
            cfn.set_stack_policy(StackName=stack, StackPolicyBody=stack_policy(ids))
        except Exception:
            still_open.append(stack)
    return still_open


def protect_from_deletion(cfn: Any, stack_name: str) -> bool:
    """Turn termination protection on if the stack exists, holds resources and has it off;
    whether it had to."""
    stack = described_stack(cfn, stack_name)
    if stack is None or stack["StackStatus"] in NOTHING_TO_PROTECT:
        return False
    if stack.get("EnableTerminationProtection"):
        return False
    cfn.update_termination_protection(StackName=stack_name, EnableTerminationProtection=True)
    return True
