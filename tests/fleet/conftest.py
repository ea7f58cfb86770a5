"""The fleet tests' fixtures: a working folder with the platform spec, a fleet file and an
artifacts bucket on the local moto server, whose policy lets the fleet's accounts read it as
`litellm-cfn bootstrap --trust-account ...` would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from typing import Any

import boto3
import pytest

from litellm_cfn.deploy.bootstrap import bootstrap_template
from tests.aws import REGION
from tests.conftest import REPO
from tests.fleet.moto_fleet import BUCKET, A, B, write_fleet

BootstrapPolicy = Callable[..., dict]


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
    assert not intrinsic, f"resolve {intrinsic} here: bootstrap's policy uses it now"
    return {key: _resolved(item, bucket) for key, item in value.items()}


@pytest.fixture
def bootstrap_policy() -> BootstrapPolicy:
    """The bucket policy `litellm-cfn bootstrap --trust-account ACCOUNT ... [--trust-organization
    ORG]` gives its bucket, as GetBucketPolicy returns it: rendered from the bootstrap template,
    since moto's CloudFormation does not apply a stack's AWS::S3::BucketPolicy."""

    def policy(bucket: str, accounts: Iterable[str] = (), organization: str | None = None):
        template = bootstrap_template(tuple(accounts), organization).to_dict()
        document = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
        return _resolved(document, bucket)

    return policy


@pytest.fixture
def grant_read(bootstrap_policy) -> Callable[..., None]:
    """Put on BUCKET the policy `litellm-cfn bootstrap --trust-account ACCOUNT ...` writes,
    less its TLS-only Deny: moto (5.x) evaluates bucket policies on object requests and takes
    a condition it has no value for (aws:SecureTransport) as refusing every request the
    statement covers, so every upload of the templates would be refused."""

    def grant(accounts: Iterable[str]) -> None:
        document = bootstrap_policy(BUCKET, accounts)
        document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "TlsOnly"]
        boto3.client("s3", region_name=REGION).put_bucket_policy(
            Bucket=BUCKET, Policy=json.dumps(document)
        )

    return grant


@pytest.fixture
def fleet_folder(aws, tmp_path, monkeypatch, grant_read):
    """A working folder with the platform spec, and an artifacts bucket both target accounts
    may read."""
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    grant_read((A, B))
    return tmp_path


@pytest.fixture
def fleet(fleet_folder):
    """The working folder's fleet file: two accounts, two regions, a staging canary."""
    return write_fleet(fleet_folder)
