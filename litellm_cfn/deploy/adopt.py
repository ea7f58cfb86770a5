"""`deploy --adopt-retained`: create a destroyed platform again around what it kept (KMS
keys, the secrets with the salt key among them, log groups), instead of colliding with it.

CloudFormation's import cannot create anything and nests only one level (User Guide,
import-resources-manually.html and resource-import-nested-stacks.html), so it goes in steps,
each resumable: a rerun after a failure or Ctrl-C picks up where the account stands.

1. Each nested stack holding kept resources becomes a stack of its own
   (`<platform>-<NestedStack>`) through an IMPORT change set, which must import exactly the
   resources found; an update of its tags alone then moves it to UPDATE_COMPLETE, a state
   CloudFormation nests a stack in.
2. The root is created around a placeholder, and an IMPORT change set nests those stacks.
3. The ordinary deploy (review, approval, stack policies) creates everything else and turns
   every template into the compiled one.

The steps are shown, with what was found and what was not, and asked about once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from litellm_cfn.deploy.adopt_steps import (
    IMPORTED,
    Child,
    create_placeholder_root,
    make_own_stack,
    nest,
)
from litellm_cfn.deploy.adopt_templates import PLACEHOLDER
from litellm_cfn.deploy.approval import approve_or_stop
from litellm_cfn.deploy.flow import Target
from litellm_cfn.deploy.retained import SECRET, Retained, retained_resources
from litellm_cfn.deploy.stack_state import REVIEW_IN_PROGRESS
from litellm_cfn.errors import LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.deploy.retained_survey import Found, Survey


def adopt_retained(
    target: Target, bucket: str | None, yes: bool, plan_only: bool, recreate_failed: bool = False
) -> bool:
    """Bring what the platform kept into its stacks, up to the ordinary deploy that follows;
    with `plan_only`, show what would be imported and change nothing. A root that failed to
    create is deleted first if `recreate_failed`. Whether the ordinary deploy follows (not
    after a plan that had anything to import)."""
    root = target.spec.stack_name
    stage = _root_stage(target, recreate_failed)
    if stage == "platform":
        target.echo(f"{root} exists: nothing to adopt, deploying it as it is")
        return True
    if stage == "nested":
        target.echo(f"{root} adopted its kept resources already: deploying the rest")
        return True
    children = _children(target)
    survey = _survey(target, [r for c in children if not c.imported for r in c.retained])
    target.echo(plan_text(root, children, survey))
    if survey.problems:
        problems = "\n".join(f"  - {problem}" for problem in survey.problems)
        raise LitellmCfnError(f"refusing to adopt until these are resolved:\n{problems}")
    found = {c.logical_id: _found_in(c, survey.found) for c in children}
    to_nest = [c for c in children if c.imported or found[c.logical_id]]
    if not to_nest:
        return True
    if plan_only:
        target.echo("nothing was imported (--no-execute): deploy without it to adopt them")
        return False
    if not yes:
        approve_or_stop(
            target.console,
            "Import these resources as shown?",
            "rerun with --yes to import them as shown",
        )
    for child in to_nest:
        make_own_stack(target, child, found[child.logical_id])
    if stage == "absent":
        create_placeholder_root(target)
    nest(target, to_nest, bucket)
    return True


def _root_stage(target: Target, recreate_failed: bool) -> str:
    """`absent`, `placeholder` (created around it, nothing nested yet), `nested` (steps 1 and
    2 done) or `platform` (not ours to adopt into)."""
    from litellm_cfn.deploy.outputs import nested_stack_ids

    root = target.spec.stack_name
    if target.deployer.settle(root, recreate_failed) == "create":
        return "absent"
    if PLACEHOLDER not in _resource_ids(target, root):
        return "platform"
    return "nested" if nested_stack_ids(target.cfn, root) else "placeholder"


def _resource_ids(target: Target, name: str) -> set[str]:
    paginator = target.cfn.get_paginator("list_stack_resources")
    return {
        summary["LogicalResourceId"]
        for page in paginator.paginate(StackName=name)
        for summary in page["StackResourceSummaries"]
    }


def _children(target: Target) -> list[Child]:
    """Each nested stack that keeps anything, with the state of its stack of its own."""
    retained = retained_resources(target.compiled)
    children = []
    for nested in target.compiled.nested:
        kept = tuple(r for r in retained if r.stack == nested.logical_id)
        if kept:
            name = own_stack_name(target.spec.stack_name, nested.logical_id)
            children.append(Child(nested, name, kept, _status(target, name)))
    return children


def own_stack_name(root: str, nested_logical_id: str) -> str:
    """The stack of its own a nested stack is first: `litellm-prod-SecretsStack` (the
    stacks CloudFormation nests are named `<root>-<LogicalId>-<suffix>`)."""
    return f"{root}-{nested_logical_id}"


def _status(target: Target, name: str) -> str | None:
    status = target.deployer.status(name)
    if status in (None, REVIEW_IN_PROGRESS) or status in IMPORTED:
        return status
    if status.endswith("_IN_PROGRESS"):
        raise LitellmCfnError(
            f"{name}, a stack an earlier adoption made, is {status}: wait for it to settle, "
            "then deploy with --adopt-retained again"
        )
    raise LitellmCfnError(
        f"{name}, a stack an earlier adoption made, is {status}: what it imported is kept "
        f"(DeletionPolicy Retain); delete it (aws cloudformation delete-stack --stack-name "
        f"{name}) and deploy with --adopt-retained again"
    )


def _survey(target: Target, retained: Sequence[Retained]) -> Survey:
    from litellm_cfn.deploy.aws import client
    from litellm_cfn.deploy.retained_survey import SurveyClients, survey

    def make(service: str) -> Any:
        return client(service, target.region, target.profile, target.console.warn)

    clients = SurveyClients(
        kms=make("kms"),
        secretsmanager=make("secretsmanager"),
        logs=make("logs"),
        tagging=make("resourcegroupstaggingapi"),
        cloudformation=target.cfn,
    )
    return survey(retained, target.spec.stack_name, clients)


def _found_in(child: Child, found: Sequence[Found]) -> list[Found]:
    return [f for f in found if f.retained.stack == child.logical_id]


def plan_text(root: str, children: Sequence[Child], survey: Survey) -> str:
    """What adoption imports into which stack, what it creates new, and the steps."""
    lines = [f"adopting what {root} kept:"]
    found = {f.retained.qualified_id: f for f in survey.found}
    for child in children:
        if child.imported:
            lines.append(f"  {child.logical_id}: imported already, into {child.name}")
            continue
        imports = [found[r.qualified_id] for r in child.retained if r.qualified_id in found]
        new = [r.logical_id for r in child.retained if r in survey.missing]
        if not imports:
            lines.append(f"  {child.logical_id}: nothing kept was found; created with the rest")
            continue
        lines.append(f"  {child.logical_id} -> {child.name}")
        lines += [
            f"    import {f.retained.logical_id} ({f.retained.resource_type}) {f.physical_id}"
            for f in imports
        ]
        if new:
            lines.append(f"    not found, created new: {', '.join(new)}")
    secrets = [r.qualified_id for r in survey.missing if r.resource_type == SECRET]
    if secrets:
        lines.append(f"secrets not found get a new value: {', '.join(secrets)}")
    lines.append(
        "steps: import into each stack above; create the root around a placeholder; nest "
        "them; then deploy the rest, reviewed as any deploy"
    )
    return "\n".join(lines)
