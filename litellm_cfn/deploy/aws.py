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
    from botocore.exceptions import InvalidRegionError, ProfileNotFound

    config = Config(
        retries={"mode": "standard", "max_attempts": 10},
        user_agent_extra=f"litellm-cfn/{__version__}",
    )
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        with aws_errors(f"make an AWS {service} client"):
            return session.client(service, config=config)
    except ProfileNotFound:
        raise InputError(f"AWS profile {profile!r} is not configured") from None
    except InvalidRegionError:
        raise InputError(f"{region[:64]!r} is not an AWS region name (pass --region)") from None


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn credential, connection and AWS API failures during `action` into one-line errors
    (AWS's own message, which names what was refused and why)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        InvalidRegionError,
        NoCredentialsError,
        NoRegionError,
        ParamValidationError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
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
    except InvalidRegionError:
        raise  # client() names the region
    except (SSOError, TokenRetrievalError) as error:
        raise LitellmCfnError(
            f"cannot {action}: {_one_line(error)} (log in again with `aws sso login`)"
        ) from None
    except ParamValidationError as error:
        # What botocore checks before sending is what a user typed: a bucket name, a change set.
        raise InputError(f"cannot {action}: {_one_line(error)}") from None
    except (ClientError, BotoCoreError) as error:
        raise LitellmCfnError(f"cannot {action}: {_one_line(error)}") from None


def does_not_exist(error: Exception) -> bool:
    """Whether a CloudFormation error says the stack (or a resource in it) does not exist:
    CloudFormation answers ValidationError for that, so only its message tells."""
    return "does not exist" in str(error)


# What S3 answers for a missing object: NoSuchKey to GetObject, a bare 404 to HeadObject.
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def not_found(error: Exception) -> bool:
    """Whether an AWS client error says the object asked for is not there."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in NOT_FOUND_CODES


def _one_line(error: Exception) -> str:
    """botocore's message on one line (validation errors list one problem a line)."""
    return " ".join(str(error).split())[:500]
