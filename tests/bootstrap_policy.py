"""The bucket policy `litellm-cfn bootstrap` gives its artifacts bucket, as GetBucketPolicy
returns it: rendered from the bootstrap template, since moto's CloudFormation does not apply a
stack's AWS::S3::BucketPolicy. A plain module (no pytest), so bench/ can use it too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litellm_cfn.deploy.bootstrap import bootstrap_template

# moto (5.x) evaluates bucket policies on object requests and takes a condition it has no
# value for (aws:SecureTransport) as refusing every request the statement covers.
TLS_ONLY = "TlsOnly"


def bootstrap_policy(
    bucket: str, accounts: Iterable[str] = (), organization: str | None = None
) -> dict[str, Any]:
    """The policy `bootstrap --trust-account ACCOUNT ... [--trust-organization ORG]` writes."""
    template = bootstrap_template(tuple(accounts), organization).to_dict()
    document = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    resolved: dict[str, Any] = _resolved(document, bucket)
    return resolved


def readable_on_moto(bucket: str, accounts: Iterable[str]) -> dict[str, Any]:
    """bootstrap's policy for `accounts`, less the TLS-only Deny moto cannot evaluate."""
    document = bootstrap_policy(bucket, accounts)
    document["Statement"] = [s for s in document["Statement"] if s["Sid"] != TLS_ONLY]
    return document


def _resolved(value: Any, bucket: str) -> Any:
    """`value` with CloudFormation's substitutions made for the bootstrap bucket `bucket`."""
    arn = f"arn:aws:s3:::{bucket}"
    if isinstance(value, list):
        return [_resolved(item, bucket) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Fn::GetAtt": ["ArtifactBucket", "Arn"]}:
        return arn
    if list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], str):
        return (
            value["Fn::Sub"]
            .replace("${ArtifactBucket.Arn}", arn)
            .replace("${AWS::Partition}", "aws")
        )
    intrinsic = [key for key in value if key.startswith("Fn::") or key == "Ref"]
    if intrinsic:
        raise ValueError(f"resolve {intrinsic} here: bootstrap's policy uses it now")
    return {key: _resolved(item, bucket) for key, item in value.items()}
