"""A loopback HTTP proxy in front of the local moto server that fails chosen calls.

The tool talks to it through `AWS_ENDPOINT_URL` exactly as it talks to AWS. Each request is
named by its operation (`CreateChangeSet` from a query-protocol body, `S3 PUT` for S3), and
a planned fault answers the n-th call of an operation, and the next ones up to `times`, with:

- `drop`: the connection closed without an answer;
- `500`, `503`: an AWS error answer (InternalFailure, ServiceUnavailable);
- `throttle`: CloudFormation's throttling answer (HTTP 400, Throttling);
- `html`: a proxy's HTML error page (HTTP 502);
- `lost`: from that call on, every call of every operation dropped, until `heal()`.

Everything else is forwarded to moto unchanged.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MODES = ("drop", "500", "503", "throttle", "html", "lost")

_AWS_ERROR = (
    "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
    "</Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
)
_ANSWERS = {
    "500": (500, _AWS_ERROR.format(kind="Receiver", code="InternalFailure", message="boom")),
    "503": (503, _AWS_ERROR.format(kind="Receiver", code="ServiceUnavailable", message="busy")),
    "throttle": (
        400,
        _AWS_ERROR.format(kind="Sender", code="Throttling", message="Rate exceeded"),
    ),
    "html": (
        502,
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>Bad Gateway</h1></body></html>",
    ),
}


@dataclass
class Fault:
    """Answer calls `at`..`at + times - 1` of `operation` with `mode`."""

    operation: str
    at: int
    mode: str
    times: int = 3


class FaultProxy:
    """The proxy's state: calls seen per operation, the planned fault, and whether the
    endpoint is lost."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.calls: Counter[str] = Counter()
        self.fault: Fault | None = None
        self.lost = False
        self.faulted: list[str] = []
        self._lock = threading.Lock()

    def plan(self, fault: Fault | None) -> None:
        """Fail as `fault` says from now on (counting calls afresh), or nothing."""
        assert fault is None or fault.mode in MODES, fault
        with self._lock:
            self.fault, self.lost = fault, False
            self.calls.clear()
            self.faulted.clear()

    def heal(self) -> None:
        """Answer every call again."""
        self.plan(None)

    def decide(self, operation: str) -> str | None:
        """The fault mode for this call, if any."""
        with self._lock:
            self.calls[operation] += 1
            fault = self.fault
            if self.lost:
                mode: str | None = "drop"
            elif fault and fault.operation == operation:
                n = self.calls[operation]
                mode = fault.mode if fault.at <= n < fault.at + fault.times else None
                self.lost = mode == "lost"
            else:
                mode = None
            if mode:
                self.faulted.append(operation)
            return "drop" if mode == "lost" else mode


def _operation(method: str, path: str, body: bytes) -> str:
    """The AWS operation a request calls: a query-protocol Action, or S3 and the method."""
    if method == "POST" and body:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return f"S3 {method}"


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes; on a kept-alive connection Nagle's algorithm
        # held the body until the client's delayed ACK, 40 ms, for every call through here.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            mode = proxy.decide(_operation(self.command, self.path, body))
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode is not None:
                status, text = _ANSWERS[mode]
                self._answer(status, {"Content-Type": "text/xml"}, text.encode())
                return
            self._forward(body)

        def _forward(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection(
                proxy.upstream.hostname, proxy.upstream.port, timeout=60
            )
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                kept = {
                    k: v
                    for k, v in answer.getheaders()
                    if k.lower() not in ("connection", "transfer-encoding", "content-length")
                }
                # A HEAD answer has no body, but says how long the object is.
                length = answer.getheader("Content-Length") if self.command == "HEAD" else None
                self._answer(answer.status, kept, data, length)
            finally:
                upstream.close()

        def _answer(
            self, status: int, headers: dict[str, str], data: bytes, length: str | None = None
        ) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", length or str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any

    return Handler


@contextmanager
def fault_proxy(upstream: str) -> Iterator[tuple[str, FaultProxy]]:
    """Serve a FaultProxy to `upstream` on a free loopback port: (its URL, the proxy)."""
    proxy = FaultProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
