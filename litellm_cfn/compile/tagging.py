"""Apply the spec's tags to every taggable resource of a template, whatever its Tags shape,
and tag each retained resource with where it belongs."""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import AWSObject, Tags, Template

from nested_stacks.base import PLATFORM_TAG, RETAINED_AS_TAG

__all__ = ["PLATFORM_TAG", "RETAINED_AS_TAG", "apply_tags", "tag_retained"]


def tag_retained(template: Template, stack_logical_id: str) -> None:
    """Tag each retained resource of a nested stack with where it belongs."""
    for logical_id, resource in template.resources.items():
        if resource.resource.get("DeletionPolicy") == "Retain":
            _add_tags(resource, {RETAINED_AS_TAG: f"{stack_logical_id}/{logical_id}"})


def apply_tags(template: Template, tags: Mapping[str, str]) -> None:
    """Add `tags` to each resource that takes Tags; a resource's own tags (Name...) win."""
    if not tags:
        return
    for resource in template.resources.values():
        _add_tags(resource, tags)


def _add_tags(resource: AWSObject, tags: Mapping[str, str]) -> None:
    if "Tags" not in resource.props:
        return
    current = resource.properties.get("Tags")
    if resource.props["Tags"][0] is dict:
        own = dict(current or {})
        resource.Tags = own | {k: v for k, v in sorted(tags.items()) if k not in own}
    else:
        own_list = current.tags if isinstance(current, Tags) else list(current or [])
        own_keys = {tag["Key"] for tag in own_list}
        extra = [{"Key": k, "Value": v} for k, v in sorted(tags.items()) if k not in own_keys]
        merged = Tags()
        merged.tags = [*own_list, *extra]
        resource.Tags = merged
