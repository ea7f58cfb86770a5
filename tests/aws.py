"""A real AWS API on loopback for tests: moto's server, started once per test session.

Tests talk HTTP to it through `AWS_ENDPOINT_URL`, exactly as the tool talks to AWS; nothing
leaves the machine (fake credentials, instance metadata disabled).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start moto_server (tests/moto_server.py: moto with its KMS tag fix) and yield its URL.
    One per session, so one per xdist worker; the kernel picks its port as it binds it, so no
    other worker or checkout can take the port first and answer in its place."""
    port_file = tmp_path_factory.mktemp("moto") / "port"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.moto_server", "--port-file", str(port_file)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        urllib.request.urlopen(f"{url}/moto-api/", timeout=10)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point boto3 at the moto server with fake credentials; reset its state afterwards."""
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield moto_endpoint
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=5)


class _Answered:
    def __init__(self, answer: dict) -> None:
        self.status_code = 400 if "Error" in answer else 200


def answer_first(monkeypatch: pytest.MonkeyPatch, operation: str, answers: list[dict]) -> None:
    """Answer the next calls of `operation` ("cloudformation.DescribeStacks") from the tool's
    clients with `answers` (parsed responses shaped like AWS's; one with "Error" is a failure),
    then let moto answer again. For the states moto never reaches, because it finishes every
    operation within the call: an operation in progress, a failed creation."""
    import litellm_cfn.deploy.aws as aws_module

    pending = list(answers)
    real = aws_module.client

    def client(
        service: str, region: str, profile: str | None = None, notice: object = None
    ) -> object:
        made = real(service, region, profile, notice)

        def answer(**_: object) -> tuple[_Answered, dict] | None:
            if not pending:
                return None
            response = pending.pop(0)
            return _Answered(response), response

        made.meta.events.register(f"before-call.{operation}", answer)
        return made

    monkeypatch.setattr(aws_module, "client", client)
