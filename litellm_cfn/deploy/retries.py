"""How an AWS client waits and retries, and whose failure it is when it gives up.

botocore's standard retry mode retries throttling, 5xx answers, unparseable answers and
connection failures alike, up to `max_attempts`, with backoff of up to 20 s between attempts
(https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html). Throttling
deserves that patience in a deploy that polls for an hour; an endpoint that is down, refuses
connections or answers an HTML error page does not: after `TRANSIENT_ATTEMPTS` the call stops
with `EndpointFailed`, which names the endpoint, the operation and what to try. Each retry
can be announced, so a wait is never silent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from litellm_cfn.errors import LitellmCfnError

THROTTLED_ATTEMPTS = 10
TRANSIENT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 20

# Error codes of endpoints that do not offer an operation: query protocol (CloudFormation),
# JSON protocol (Service Catalog), S3.
NOT_IMPLEMENTED_CODES = frozenset({"InvalidAction", "UnknownOperationException", "NotImplemented"})

# S3's SlowDown comes as HTTP 503 and keeps botocore's patience like the others.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


class EndpointFailed(LitellmCfnError):
    """An AWS endpoint failed a call after its retries: down, unreachable, answering 5xx or
    something that is not an AWS API response. Not the user's input, not our bug."""

    def __init__(self, endpoint: str, operation: str, what: str) -> None:
        self.endpoint = endpoint
        self.operation = operation
        emulator = (
            " (a local emulator such as moto does not implement every operation)"
            if self.on_loopback and "not an AWS API response" in what
            else ""
        )
        super().__init__(
            f"{operation} failed at {endpoint}: it {what}{emulator}. This is the endpoint's "
            "failure, not the spec's: try again in a few minutes, and check the network, "
            "AWS_ENDPOINT_URL and https://health.aws.amazon.com/health/status"
        )

    @property
    def on_loopback(self) -> bool:
        """Whether the endpoint is on this machine (a local emulator such as moto)."""
        host = urlsplit(self.endpoint).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def give_up_on_transient_failures(client: Any, notice: Callable[[str], None] | None) -> None:
    """Make `client` stop retrying a failing endpoint after TRANSIENT_ATTEMPTS (throttling
    keeps botocore's patience), announce each retry through `notice`, and raise
    EndpointFailed for the endpoint's failures, which botocore raises as its own errors."""
    endpoint = str(client.meta.endpoint_url)
    service = str(client.meta.service_model.service_id)
    last: dict[str, int] = {}

    def remember_status(response_dict: dict[str, Any], **_: Any) -> None:
        last["status"] = int(response_dict.get("status_code") or 0)
        last["page"] = _an_error_page(response_dict)
        if last["page"]:
            # botocore treats a 5xx with an empty body as a generic, retryable error; a page
            # it tried to parse as XML would fail at once, on the first attempt.
            response_dict["body"] = b""

    def retry_or_stop(
        attempts: int, operation: Any, response: Any = None, caught_exception: Any = None, **_: Any
    ) -> None:
        what = _transient_failure(response, caught_exception, last)
        if what is None:
            return  # success, throttling or the caller's own error: botocore decides
        name = f"{service} {operation.name}"
        if attempts >= TRANSIENT_ATTEMPTS:
            raise EndpointFailed(endpoint, name, what)
        if notice is not None:
            notice(f"{name}: {endpoint} {what}; retrying (attempt {attempts + 1})")

    def name_the_failure(exception: Exception, event_name: str, **_: Any) -> None:
        # botocore raises an unparseable answer at once, without asking needs-retry.
        what = _transient_failure(None, exception, last)
        if what is not None:
            raise EndpointFailed(endpoint, f"{service} {event_name.rsplit('.', 1)[-1]}", what)

    client.meta.events.register("before-parse", remember_status)
    client.meta.events.register_first("needs-retry", retry_or_stop)
    client.meta.events.register("after-call-error", name_the_failure)


def _an_error_page(response_dict: dict[str, Any]) -> bool:
    """Whether a 5xx answer is a web page (a proxy's, an emulator's), not an AWS error."""
    body = response_dict.get("body")
    if int(response_dict.get("status_code") or 0) < 500 or not isinstance(body, bytes):
        return False  # an answer, or a stream (S3's GetObject) that is the caller's to read
    start = body.lstrip()[:20].lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html")


def _transient_failure(response: Any, caught: Any, last: dict[str, int]) -> str | None:
    """What went wrong, if it is the endpoint's transient failure, in words."""
    from botocore.exceptions import ConnectionError, HTTPClientError
    from botocore.parsers import ResponseParserError

    if isinstance(caught, ResponseParserError):
        return f"answered HTTP {last.get('status') or '?'} with a body that is no AWS API response"
    if isinstance(caught, (ConnectionError, HTTPClientError)):
        return f"did not answer ({_first_line(caught)})"
    if caught is not None or response is None:
        return None
    http, parsed = response
    code = parsed.get("Error", {}).get("Code", "")
    if http.status_code < 500 or code in THROTTLING_CODES:
        return None
    if last.get("page"):
        return f"answered HTTP {http.status_code} with an HTML page, not an AWS API response"
    return (
        f"answered HTTP {http.status_code} ({code})"
        if code != str(http.status_code)
        else (f"answered HTTP {http.status_code}")
    )


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200]
