"""The fleet tests' fixtures: a working folder with the platform spec, a fleet file and an
artifacts bucket on the local moto server, whose policy lets the fleet's accounts read it as
`litellm-cfn bootstrap --trust-account ...` would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable

import boto3
import pytest

from tests.aws import REGION
from tests.bootstrap_policy import bootstrap_policy as policy_of
from tests.bootstrap_policy import readable_on_moto
from tests.conftest import REPO
from tests.fleet.moto_fleet import BUCKET, A, B, write_fleet

BootstrapPolicy = Callable[..., dict]


@pytest.fixture
def bootstrap_policy() -> BootstrapPolicy:
    """The bucket policy `litellm-cfn bootstrap --trust-account ACCOUNT ... [--trust-organization
    ORG]` gives its bucket, as GetBucketPolicy returns it (tests/bootstrap_policy.py)."""
    return policy_of


@pytest.fixture
def grant_read() -> Callable[..., None]:
    """Put on BUCKET the policy `litellm-cfn bootstrap --trust-account ACCOUNT ...` writes,
    less its TLS-only Deny, which moto cannot evaluate (tests/bootstrap_policy.py)."""

    def grant(accounts: Iterable[str]) -> None:
        boto3.client("s3", region_name=REGION).put_bucket_policy(
            Bucket=BUCKET, Policy=json.dumps(readable_on_moto(BUCKET, accounts))
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
