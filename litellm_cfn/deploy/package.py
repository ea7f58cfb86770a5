"""Upload nested templates under content-addressed keys and point the root at them.

`<prefix>/<sha256>.yaml`: an unchanged nested template keeps its key and therefore its URL,
so CloudFormation sees no change to that nested stack and leaves it alone. Keys that exist
are not uploaded again. The root goes inline unless it exceeds CloudFormation's body limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litellm_cfn.compile.compiler import CompiledPlatform
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.deploy.aws import not_found
from litellm_cfn.deploy.review import NESTED_STACK

MAX_INLINE_BODY = 51_200  # bytes CloudFormation accepts as TemplateBody


@dataclass(frozen=True)
class Packaged:
    """The root template to submit (body or URL) and what the upload did."""

    root_body: str | None
    root_url: str | None
    uploaded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    root_sha256: str = ""  # of the root as submitted: what a catalog version records
    root_text: str = ""  # the root as submitted, inline or uploaded


def object_url(bucket: str, region: str, key: str) -> str:
    """The S3 URL CloudFormation fetches a template from."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def package(
    compiled: CompiledPlatform,
    s3: Any,
    bucket: str,
    region: str,
    prefix: str,
    root_by_url: bool = False,
    rendered: Mapping[str, str] | None = None,
) -> Packaged:
    """Upload the nested templates and return the root with its TemplateURLs pointing at them
    (uploaded too when `root_by_url`, as Service Catalog needs, or when it is too large).

    `rendered`, the text `build` wrote for each file, is uploaded as it is; the compiled
    templates are read, never changed."""
    uploaded: list[str] = []
    reused: list[str] = []
    urls: dict[str, str] = {}
    for nested in compiled.nested:
        text = rendered[nested.file] if rendered else to_yaml(nested.template.to_dict())
        key = upload(s3, bucket, prefix, text, uploaded, reused)
        urls[nested.file] = object_url(bucket, region, key)
    root = compiled.root.to_dict()
    for resource in root.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource["Type"] == NESTED_STACK and properties.get("TemplateURL") in urls:
            properties["TemplateURL"] = urls[properties["TemplateURL"]]
    body = to_yaml(root)
    digest = hashlib.sha256(body.encode()).hexdigest()
    if len(body.encode()) <= MAX_INLINE_BODY and not root_by_url:
        return Packaged(body, None, uploaded, reused, digest, body)
    key = upload(s3, bucket, prefix, body, uploaded, reused)
    return Packaged(None, object_url(bucket, region, key), uploaded, reused, digest, body)


def upload(
    s3: Any, bucket: str, prefix: str, text: str, uploaded: list[str], reused: list[str]
) -> str:
    """Upload `text` under its content's key unless that key exists; the key, recorded in
    `uploaded` or `reused`."""
    from botocore.exceptions import ClientError

    data = text.encode()
    key = f"{prefix}/{hashlib.sha256(data).hexdigest()}.yaml"
    try:
        s3.head_object(Bucket=bucket, Key=key)
        reused.append(key)
        return key
    except ClientError as error:
        if not not_found(error):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/x-yaml")
    uploaded.append(key)
    return key
