"""boto3 sessions and clients: the only module that creates them.

Honours `--profile`, `--region`, the standard credential chain and `AWS_ENDPOINT_URL` (which
botocore reads itself), with botocore's standard retry mode for throttling. AWS errors that
mean "fix your setup" become LitellmCfnErrors with a plain message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litellm_cfn import __version__
from litellm_cfn.errors import InputError, LitellmCfnError


def client(service: str, region: str, profile: str | None = None) -> Any:
    """A boto3 client for `service` in `region`, retrying throttled calls."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise InputError(f"AWS profile {profile!r} is not configured") from None
    config = Config(
        retries={"mode": "standard", "max_attempts": 10},
        user_agent_extra=f"litellm-cfn/{__version__}",
    )
    return session.client(service, config=config)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn credential, connection and AWS API failures during `action` into one-line errors
    (AWS's own message, which names what was refused and why)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise LitellmCfnError(
            f"cannot {action}: no AWS credentials (set AWS_PROFILE, pass --profile, or log in "
            "with `aws sso login`)"
        ) from None
    except NoRegionError:
        raise InputError(f"cannot {action}: no AWS region (pass --region)") from None
    except (EndpointConnectionError, ClientError) as error:
        raise LitellmCfnError(f"cannot {action}: {error}") from None
