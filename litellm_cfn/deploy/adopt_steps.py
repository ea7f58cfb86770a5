"""The steps of `deploy --adopt-retained` (see `adopt`): import into a stack of its own
and move it to UPDATE_COMPLETE by a tag, create the root around its placeholder, nest. Each import
change set is shown, and refused and deleted unless it imports exactly what was found."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.adopt_templates import (
    NestedChild,
    import_template,
    nesting_root,
    placeholder_root,
)
from litellm_cfn.deploy.aws import described_stack
from litellm_cfn.deploy.flow import Target, abandon, artifact_bucket_for
from litellm_cfn.deploy.package import Packaged
from litellm_cfn.deploy.retained import Retained
from litellm_cfn.deploy.review import NESTED_STACK, Review, render_text
from litellm_cfn.errors import LitellmCfnError
from nested_stacks.base import PLATFORM_TAG

if TYPE_CHECKING:
    from litellm_cfn.compile.compiler import NestedStack
    from litellm_cfn.deploy.retained_survey import Found

# A stack of its own holding its imports: just imported, moved on (ready to nest), or its
# move rolled back (the next run moves it again).
# Tags a stack of its own once it holds its imports (see _tag_as_adopted).
ADOPTED_TAG = "litellm-cfn:adopted-into"
IMPORTED = ("IMPORT_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


@dataclass(frozen=True)
class Child:
    """A nested stack with kept resources, and the stack of its own it becomes first."""

    nested: NestedStack
    name: str
    retained: tuple[Retained, ...]
    status: str | None

    @property
    def logical_id(self) -> str:
        """Its logical id in the root: `SecretsStack`."""
        return self.nested.logical_id

    @property
    def imported(self) -> bool:
        """Whether an earlier run made it a stack of its own already."""
        return self.status in IMPORTED


def make_own_stack(target: Target, child: Child, found: Sequence[Found]) -> None:
    """Step 1 for one nested stack: import, then the update that lets it be nested."""
    if child.status == "UPDATE_COMPLETE":
        return
    if not child.imported:
        _import_own(target, child, found)
    _tag_as_adopted(target, child)


def _import_own(target: Target, child: Child, found: Sequence[Found]) -> None:
    adopted = [f.retained.logical_id for f in found]
    body = to_yaml(import_template(child.nested, adopted))
    to_import = [
        {
            "ResourceType": f.retained.resource_type,
            "LogicalResourceId": f.retained.logical_id,
            "ResourceIdentifier": f.identifier,
        }
        for f in found
    ]
    _import(target, child.name, body, to_import, _stack_tags(target))


def _tag_as_adopted(target: Target, child: Child) -> None:
    """Move the stack of its own from IMPORT_COMPLETE to UPDATE_COMPLETE, the states
    CloudFormation nests a stack in, by an update of its tags alone (same template): found on
    real AWS by cdkd (github.com/go-to-k/cdkd pull 588). UpdateStack's Tags replace the
    stack's and propagate to its resources (API reference, UpdateStack); the deploy that
    follows drops the tag again. An update of outputs alone would change no resource, but
    CloudFormation's outputs documentation has long said outputs cannot be updated alone."""
    tags = _stack_tags(target) | {ADOPTED_TAG: target.spec.stack_name}
    listed = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    _watched(
        target,
        child.name,
        lambda: target.cfn.update_stack(
            StackName=child.name, UsePreviousTemplate=True, Tags=listed
        ),
    )


def create_placeholder_root(target: Target) -> None:
    root = target.spec.stack_name
    body = to_yaml(placeholder_root(_root_description(target)))
    change_set = target.deployer.create_change_set(
        root, Packaged(body, None), "create", dict(target.spec.tags)
    )
    if change_set is None:
        raise LitellmCfnError(f"CloudFormation found nothing to create for {root}")
    target.deployer.execute(root, change_set.id, 1, lambda: abandon(target, change_set))


def nest(target: Target, children: Sequence[Child], bucket: str | None) -> None:
    """Step 2: the root imports each stack of its own as its nested stack, with the
    template and tags the stack has."""
    from litellm_cfn.compile.artifacts import artifact_prefix
    from litellm_cfn.deploy.package import object_url, upload

    bucket = artifact_bucket_for(target, bucket)
    prefix = artifact_prefix(target.spec)
    nested: dict[str, NestedChild] = {}
    to_import = []
    for child in children:
        (stack,) = target.cfn.describe_stacks(StackName=child.name)["Stacks"]
        body = target.cfn.get_template(StackName=child.name, TemplateStage="Original")
        key = upload(target.s3, bucket, prefix, _as_text(body["TemplateBody"]), [], [])
        tags = {tag["Key"]: tag["Value"] for tag in stack.get("Tags", [])}
        nested[child.logical_id] = NestedChild(object_url(bucket, target.region, key), tags)
        to_import.append(
            {
                "ResourceType": NESTED_STACK,
                "LogicalResourceId": child.logical_id,
                "ResourceIdentifier": {"StackId": stack["StackId"]},
            }
        )
    root = target.spec.stack_name
    template = nesting_root(placeholder_root(_root_description(target)), nested)
    _import(target, root, to_yaml(template), to_import, dict(target.spec.tags))


def _import(
    target: Target, stack: str, body: str, to_import: list[dict[str, Any]], tags: dict[str, str]
) -> None:
    """Create the import's change set, show it, check it imports exactly `to_import` and
    nothing else, execute it."""
    change_set = target.deployer.create_change_set(
        stack, Packaged(body, None), "import", tags, to_import=to_import
    )
    if change_set is None:
        raise LitellmCfnError(f"CloudFormation found nothing to import into {stack}")
    expected = [resource["LogicalResourceId"] for resource in to_import]
    try:
        review = target.deployer.review(change_set.id, stack)
        target.echo(render_text(review, target.console.colour))
        check_only_imports(review, expected)
    except BaseException:
        abandon(target, change_set, stack)
        raise
    target.deployer.execute(
        stack, change_set.id, len(expected), lambda: abandon(target, change_set, stack)
    )


def check_only_imports(review: Review, expected: Sequence[str]) -> None:
    """Refuse an import change set that would do anything but import `expected`."""
    imports = {c.logical_id for c in review.changes if c.action == "Import"}
    others = [f"{c.action} {c.logical_id}" for c in review.changes if c.action != "Import"]
    if others or imports != set(expected):
        unexpected = ", ".join(others + sorted(imports - set(expected))) or "nothing else"
        absent = ", ".join(sorted(set(expected) - imports)) or "nothing"
        raise LitellmCfnError(
            f"refusing the import change set: it would do {unexpected} and not import {absent}"
        )


def _watched(target: Target, name: str, start: Callable[[], None]) -> None:
    stack = described_stack(target.cfn, name)
    if stack is None:
        raise LitellmCfnError(f"{name} disappeared while it was being adopted")
    since = target.deployer.after_last_event(stack["StackId"])
    start()
    target.deployer.watch(stack["StackId"], since)


def _stack_tags(target: Target) -> dict[str, str]:
    """What a nested stack of the platform is tagged with: the platform tag its resource
    in the root sets, and the spec's tags the root passes down."""
    return {PLATFORM_TAG: target.spec.stack_name} | dict(target.spec.tags)


def _as_text(body: Any) -> str:
    """A template as GetTemplate gives it: YAML as text, JSON already parsed by botocore."""
    return body if isinstance(body, str) else json.dumps(body)


def _root_description(target: Target) -> str:
    return str(target.compiled.root.to_dict().get("Description", target.spec.stack_name))
