"""Apply the spec's tags to every taggable resource of a template, whatever its Tags shape."""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import Tags, Template

from nested_stacks.base import PLATFORM_TAG

__all__ = ["PLATFORM_TAG", "apply_tags"]


def apply_tags(template: Template, tags: Mapping[str, str]) -> None:
    """Add `tags` to each resource that takes Tags; a resource's own tags (Name...) win."""
    if not tags:
        return
    for resource in template.resources.values():
        if "Tags" not in resource.props:
            continue
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
