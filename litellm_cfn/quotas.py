"""CloudFormation's per-template quotas, checked before anything is written or uploaded."""

from __future__ import annotations

from typing import Any

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_048_576  # a template passed by S3 URL, as every packaged one is


def quota_breaches(file: str, template: dict[str, Any], text: str) -> list[str]:
    """What in one rendered template exceeds a CloudFormation quota, one line each."""
    counts = (
        ("resources", len(template.get("Resources", {})), MAX_RESOURCES),
        ("parameters", len(template.get("Parameters", {})), MAX_PARAMETERS),
        ("outputs", len(template.get("Outputs", {})), MAX_OUTPUTS),
        ("bytes", len(text.encode()), MAX_TEMPLATE_BYTES),
    )
    return [
        f"{file}: {count:,} {what} exceeds CloudFormation's limit of {limit:,} per template"
        for what, count, limit in counts
        if count > limit
    ]
