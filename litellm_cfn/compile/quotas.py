"""CloudFormation's per-template quotas, checked before anything is written or uploaded.

troposphere itself refuses the object past a count quota (500 resources, 200 parameters,
outputs or mappings) as it is added, so a built template can only break the size quota;
`counted` turns troposphere's refusal into the same one-line message the size check gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from litellm_cfn.errors import BuildError

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_TEMPLATE_BYTES = 1_048_576  # a template passed by S3 URL, as every packaged one is

# Template.add_*: "Maximum outputs 200 reached", "Maximum number of resources 500 reached".
_TROPOSPHERE_LIMIT = re.compile(r"Maximum (?:number of )?(\w+) (\d+) reached")


def quota_breaches(file: str, text: str) -> list[str]:
    """What in one rendered template exceeds a CloudFormation quota, one line each."""
    size = len(text.encode())
    if size > MAX_TEMPLATE_BYTES:
        return [_breach(file, f"{size:,}", "bytes", MAX_TEMPLATE_BYTES)]
    return []


@contextmanager
def counted(file: str) -> Iterator[None]:
    """Build `file`'s template inside; troposphere refusing one object too many is a BuildError."""
    try:
        yield
    except ValueError as error:
        limit = _TROPOSPHERE_LIMIT.fullmatch(str(error))
        if limit is None:
            raise
        what, count = limit[1], int(limit[2])
        raise BuildError(_breach(file, f"more than {count:,}", what, count)) from None


def _breach(file: str, amount: str, what: str, limit: int) -> str:
    return f"{file}: {amount} {what} exceeds CloudFormation's limit of {limit:,} per template"
