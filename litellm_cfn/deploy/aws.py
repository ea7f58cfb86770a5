"""AWS sessions and clients (botocore's, which boto3's are): the only module that makes them.

Honours `--profile`, `--region`, the standard credential chain and `AWS_ENDPOINT_URL` (which
botocore reads itself); how clients retry is `retries`. AWS errors that mean "fix your setup"
become InputErrors, and endpoint failures say whose they are, each in one plain line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from litellm_cfn import __version__
from litellm_cfn.deploy.retries import (
    CONNECT_TIMEOUT_SECONDS,
    NOT_IMPLEMENTED_CODES,
    READ_TIMEOUT_SECONDS,
    THROTTLED_ATTEMPTS,
    THROTTLING_CODES,
    EndpointFailed,
    give_up_on_transient_failures,
)
from litellm_cfn.errors import InputError, LitellmCfnError, shown
from litellm_cfn.spec import REGION_PATTERN


def client(
    service: str,
    region: str,
    profile: str | None = None,
    notice: Callable[[str], None] | None = None,
) -> Any:
    """A client for `service` in `region`: throttled calls retried patiently, a failing
    endpoint given up on within seconds, each retry announced through `notice`."""
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ProfileNotFound

    if not re.fullmatch(REGION_PATTERN, region):
        raise InputError(f"{shown(region)} is not an AWS region name (pass --region)")
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": THROTTLED_ATTEMPTS},
        user_agent_extra=f"litellm-cfn/{__version__}",
    )
    try:
        # A session per client (credentials and configuration are read afresh), sharing the
        # service models, which each new session would read from disk again.
        session = botocore.session.Session(profile=profile)
        session.register_component("data_loader", _service_models())
        with aws_errors(f"make an AWS {service} client"):
            made = session.create_client(service, region_name=region, config=config)
    except ProfileNotFound as error:
        raise InputError(_profile_not_found(error)) from None
    except ValueError as error:
        # botocore checks the endpoint URL (AWS_ENDPOINT_URL, or a profile's endpoint_url)
        # when it makes the client: "Invalid endpoint: notaurl", "Invalid IPv6 URL".
        raise InputError(
            f"the AWS endpoint URL is not a URL ({error}): check AWS_ENDPOINT_URL, "
            "AWS_ENDPOINT_URL_<SERVICE> and the profile's endpoint_url"
        ) from None
    give_up_on_transient_failures(made, notice)
    return made


@functools.cache
def _service_models() -> Any:
    """botocore's loader of the JSON service models, one per process (it caches what it
    read)."""
    from botocore.loaders import create_loader

    return create_loader()


def _profile_not_found(error: Exception) -> str:
    """Name the profile botocore looked for: --profile's, or AWS_PROFILE's when none was given."""
    profile = getattr(error, "kwargs", {}).get("profile")
    return f"AWS profile {shown(profile)} is not configured (check --profile and AWS_PROFILE)"


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn credential, endpoint and AWS API failures during `action` into one-line errors:
    AWS's own message, which names what was refused and why, or whose failure it is."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
        ParamValidationError,
        PartialCredentialsError,
        ProfileNotFound,
        SSOError,
        TokenRetrievalError,
    )
    from botocore.parsers import ResponseParserError

    try:
        yield
    except EndpointFailed as error:
        raise LitellmCfnError(f"cannot {action}: {error}") from None
    except (NoCredentialsError, PartialCredentialsError):
        raise LitellmCfnError(
            f"cannot {action}: no AWS credentials (set AWS_PROFILE, pass --profile, or log in "
            "with `aws sso login`)"
        ) from None
    except NoRegionError:
        raise InputError(f"cannot {action}: no AWS region (pass --region)") from None
    except ProfileNotFound as error:
        raise InputError(_profile_not_found(error)) from None
    except (SSOError, TokenRetrievalError) as error:
        raise LitellmCfnError(
            f"cannot {action}: {_one_line(error)} (log in again with `aws sso login`)"
        ) from None
    except ParamValidationError as error:
        # What botocore checks before sending is what a user typed: a bucket name, a change set.
        raise InputError(f"cannot {action}: {_one_line(error)}") from None
    except ClientError as error:
        raise LitellmCfnError(f"cannot {action}: {_refused(error)}") from None
    except (BotoCoreError, ResponseParserError) as error:
        raise LitellmCfnError(
            f"cannot {action}: {_one_line(error)} (the endpoint's failure, not the spec's: "
            "try again in a few minutes, and check the network and AWS_ENDPOINT_URL)"
        ) from None


def _refused(error: Exception) -> str:
    """An AWS error answer in words, with what to do when it is not about the request."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    operation = getattr(error, "operation_name", "the operation")
    page = "<html" in str(error).lower()  # a web server's page: no AWS API answered
    if code in NOT_IMPLEMENTED_CODES or (page and code == "404"):
        return (
            f"the endpoint does not implement {operation} ({code}); check AWS_ENDPOINT_URL "
            "(a local emulator implements only part of AWS)"
        )
    if code in THROTTLING_CODES:
        return (
            f"AWS throttled {operation} {THROTTLED_ATTEMPTS} times in a row ({code}); "
            "try again in a few minutes, or ask AWS Support to raise the account's API rate"
        )
    return _one_line(error)


def does_not_exist(error: Exception) -> bool:
    """Whether a CloudFormation error says the stack (or a resource in it) does not exist:
    CloudFormation answers ValidationError for that, so only its message tells."""
    return "does not exist" in str(error)


def described_stack(cloudformation: Any, stack_name: str) -> dict[str, Any] | None:
    """DescribeStacks' answer for one stack, or None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if does_not_exist(error):
            return None
        raise
    return dict(stack)


# What S3 answers for a missing object: NoSuchKey to GetObject, a bare 404 to HeadObject.
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def not_found(error: Exception) -> bool:
    """Whether an AWS client error says the object asked for is not there."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in NOT_FOUND_CODES


def _one_line(error: Exception) -> str:
    """botocore's message on one line (validation errors list one problem a line)."""
    return " ".join(str(error).split())[:500]
