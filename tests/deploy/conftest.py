"""Fixtures of the deploy tests that run against the local moto server: a working folder
with the platform's spec, and termination protection answered as AWS answers it."""

from __future__ import annotations

import shutil

import pytest

import litellm_cfn.deploy.aws as aws_module
from tests.conftest import REPO


class _Accepted:
    status_code = 200


@pytest.fixture
def platform(aws, tmp_path, monkeypatch):
    """A working folder with specs/platform.yaml, deploying the VPC stack only."""
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    return tmp_path / "platform.yaml"


@pytest.fixture
def protection_calls(monkeypatch):
    """Termination protection requests, answered like AWS (moto does not implement them)."""
    calls: list[dict] = []
    real = aws_module.client

    def client(service, region, profile=None, notice=None):
        made = real(service, region, profile, notice)

        def answer(params, **_):
            body = params["body"]  # the request as botocore serialised it (query protocol)
            calls.append({"EnableTerminationProtection": body["EnableTerminationProtection"]})
            return _Accepted(), {"StackId": body["StackName"]}

        made.meta.events.register("before-call.cloudformation.UpdateTerminationProtection", answer)
        return made

    monkeypatch.setattr(aws_module, "client", client)
    return calls
