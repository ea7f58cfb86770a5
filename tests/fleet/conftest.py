"""The fleet tests' fixture: a working folder with the platform spec, a fleet file and an
artifacts bucket on the local moto server."""

from __future__ import annotations

import shutil

import boto3
import pytest

from tests.aws import REGION
from tests.conftest import REPO
from tests.fleet.moto_fleet import BUCKET, write_fleet


@pytest.fixture
def fleet(aws, tmp_path, monkeypatch):
    """A working folder with the platform spec, a fleet file and an artifacts bucket."""
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    return write_fleet(tmp_path)
