"""The templates a stack set runs now, for the review: its root as StackSets stores it, and
each nested template read back from the artifacts bucket through the root's TemplateURLs."""

from __future__ import annotations

import re
from typing import Any

from litellm_cfn.deploy.review import NESTED_STACK
from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.fleet.predict import Templates
from litellm_cfn.fleet.stacksets import StackSetState
from litellm_cfn.fleet.template_text import parse_template

# Virtual-hosted (`package` writes these) and path-style S3 URLs.
_VIRTUAL_HOSTED = re.compile(r"https://([a-z0-9.-]+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/(.+)")
_PATH_STYLE = re.compile(r"https://s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/([a-z0-9.-]+)/(.+)")


def s3_location(url: str) -> tuple[str, str] | None:
    """The bucket and key of an S3 template URL, or None for any other URL."""
    for pattern in (_VIRTUAL_HOSTED, _PATH_STYLE):
        matched = pattern.fullmatch(url)
        if matched:
            return matched.group(1), matched.group(2)
    return None


def running_templates(state: StackSetState, s3: Any) -> Templates | None:
    """The templates `state`'s stack set runs, or None when it does not exist yet."""
    if state.template_body is None:
        return None
    root = parse_template(state.template_body)
    nested = {}
    for logical_id, resource in root.get("Resources", {}).items():
        if resource.get("Type") != NESTED_STACK:
            continue
        url = str(resource.get("Properties", {}).get("TemplateURL", ""))
        nested[logical_id] = parse_template(_read(s3, state.name, logical_id, url))
    return Templates(root, nested)


def _read(s3: Any, stack_set: str, logical_id: str, url: str) -> str:
    from botocore.exceptions import ClientError

    location = s3_location(url)
    if location is None:
        raise LitellmCfnError(
            f"{stack_set}: the nested stack {logical_id} runs a template from {url[:200]}, "
            "which is not an S3 URL litellm-cfn packaged; the review cannot read it"
        )
    bucket, key = location
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        raise LitellmCfnError(
            f"{stack_set}: cannot read the template its nested stack {logical_id} runs "
            f"(s3://{bucket}/{key}): {' '.join(str(error).split())[:200]}; the review needs "
            "it to predict what the update replaces"
        ) from None
    return bytes(body).decode("utf-8", errors="replace")
