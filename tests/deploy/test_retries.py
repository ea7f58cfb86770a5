"""How often a failing endpoint is tried before it is named, counted on a loopback server.

A tiny HTTP server on 127.0.0.1 stands in for CloudFormation and answers as told: an HTML
error page (a proxy or load balancer in front of a failing endpoint) or AWS's throttling
error, then real answers. Nothing leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from tests.conftest import REPO

SPEC = str(REPO / "specs" / "platform.yaml")

# nginx's answer, as an AWS load balancer sends it; a proxy's page that is well-formed XML,
# and one that is not (an unclosed <meta>, as most HTML has).
NGINX_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
)
XHTML_503 = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    b"<body><h1>Service Unavailable</h1><p>The upstream server is unavailable.</p></body>"
    b"</html>\n"
)
HTML_503 = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
    b"<title>503 Service Unavailable</title></head>\n<body><h1>Service Unavailable</h1>"
    b"<p>The upstream server is unavailable.</p></body></html>\n"
)
THROTTLED = (
    b'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
    b"<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    b"</Error><RequestId>x</RequestId></ErrorResponse>"
)
# DescribeStacks and ListStackResources as CloudFormation answers them (query protocol).
DESCRIBED = b"""<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>litellm-prod</StackName>
        <StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/0a1b</StackId>
        <CreationTime>2026-11-27T10:00:00.000Z</CreationTime>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <EnableTerminationProtection>true</EnableTerminationProtection>
        <Outputs>
          <member>
            <OutputKey>VpcId</OutputKey>
            <OutputValue>vpc-0123456789abcdef0</OutputValue>
          </member>
        </Outputs>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>"""
NO_RESOURCES = b"""<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <ListStackResourcesResult><StackResourceSummaries/></ListStackResourcesResult>
  <ResponseMetadata><RequestId>2d06e36c-ac1d-11e0-a958-example</RequestId></ResponseMetadata>
</ListStackResourcesResponse>"""


class Endpoint:
    """What the server answers: the planned (status, content type, body) answers first,
    then real ones; and the action of every request it got."""

    def __init__(self) -> None:
        self.planned: list[tuple[int, str, bytes]] = []
        self.actions: list[str] = []
        self.url = ""

    def answer(self, action: str) -> tuple[int, str, bytes]:
        self.actions.append(action)
        if self.planned:
            return self.planned.pop(0)
        body = {"DescribeStacks": DESCRIBED, "ListStackResources": NO_RESOURCES}[action]
        return 200, "text/xml", body


@pytest.fixture
def endpoint(monkeypatch, tmp_path) -> Iterator[Endpoint]:
    """The server, with the tool pointed at it: fake credentials, no config, no metadata."""
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            (action,) = parse_qs(body.decode())["Action"]
            status, kind, answer = state.answer(action)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": state.url,
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def outputs():
    return CliRunner().invoke(cli, ["outputs", SPEC])


@pytest.mark.parametrize(
    "page", [NGINX_503, XHTML_503, HTML_503], ids=["nginx", "xhtml", "unparseable html"]
)
def test_an_endpoint_answering_503_pages_is_tried_three_times_then_named(endpoint, page):
    endpoint.planned = [(503, "text/html", page)] * 10
    result = outputs()
    assert result.exit_code == 1, result.output
    assert endpoint.actions == ["DescribeStacks"] * 3
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(
        f"cannot read stack litellm-prod: CloudFormation DescribeStacks failed at "
        f"{endpoint.url}: it answered HTTP 503"
    ), error
    assert "This is the endpoint's failure, not the spec's" in error
    assert "internal error" not in result.stderr


def retry_notices(stderr: str, operation: str, url: str) -> list[str]:
    """The retries a command announced before its one error line, as `attempt N`."""
    *retries, _ = stderr.strip().splitlines()
    assert all(line.startswith(f"{operation}: {url} answered HTTP 503") for line in retries), stderr
    return [line.rsplit("; retrying (", 1)[-1].rstrip(")") for line in retries]


def test_outputs_announces_each_retry_of_a_failing_endpoint(endpoint):
    endpoint.planned = [(503, "text/html", NGINX_503)] * 3
    result = outputs()
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 3, result.stderr
    assert retry_notices(result.stderr, "CloudFormation DescribeStacks", endpoint.url) == [
        "attempt 2",
        "attempt 3",
    ]


def test_watch_announces_each_retry_of_a_failing_endpoint(endpoint):
    endpoint.planned = [(503, "text/html", NGINX_503)] * 3
    result = CliRunner().invoke(cli, ["watch", SPEC])
    assert result.exit_code == 1, result.output
    assert endpoint.actions == ["DescribeStacks"] * 3
    assert retry_notices(result.stderr, "CloudFormation DescribeStacks", endpoint.url) == [
        "attempt 2",
        "attempt 3",
    ]
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(
        f"cannot watch litellm-prod: CloudFormation DescribeStacks failed at {endpoint.url}: "
        "it answered HTTP 503"
    ), error


def test_throttling_is_retried_until_the_endpoint_answers(endpoint):
    endpoint.planned = [(400, "text/xml", THROTTLED)] * 2
    result = outputs()
    assert result.exit_code == 0, result.output
    assert endpoint.actions == ["DescribeStacks"] * 3 + ["ListStackResources"]
    assert result.stdout == "VpcId  vpc-0123456789abcdef0\n"
    assert result.stderr == ""
