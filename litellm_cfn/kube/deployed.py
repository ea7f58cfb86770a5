"""What the hand-off needs from a deployed platform: its outputs, read from CloudFormation or
from the JSON that `litellm-cfn outputs --format json` printed (so a GitOps pipeline can
render from a saved file, with no AWS call)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from litellm_cfn.errors import InputError, LitellmCfnError, shown
from litellm_cfn.spec import PlatformSpec
from nested_stacks import wiring

# The outputs every platform has, and those only a platform with a cache has.
PLATFORM_OUTPUTS = tuple(
    wire.name
    for wire in (
        wiring.LITELLM_ROLE_ARN,
        wiring.EXTERNAL_SECRETS_ROLE_ARN,
        wiring.MASTER_KEY_SECRET_NAME,
        wiring.SALT_KEY_SECRET_NAME,
        wiring.DB_CONNECTION_SECRET_NAME,
        wiring.RDS_MASTER_USER_SECRET_ARN,
    )
)
CACHE_OUTPUTS = tuple(
    wire.name
    for wire in (wiring.CACHE_ENDPOINT, wiring.CACHE_PORT, wiring.REDIS_PASSWORD_SECRET_NAME)
)
HOST_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"
PORT = r"[1-9][0-9]{0,4}"


@dataclass(frozen=True)
class Cache:
    """Where LiteLLM's shared state lives, and the secret holding its AUTH token."""

    host: str
    port: str
    password_secret: str


@dataclass(frozen=True)
class Deployed:
    """The deployed platform, as far as Kubernetes needs to know it."""

    region: str
    litellm_role_arn: str
    external_secrets_role_arn: str
    master_key_secret: str
    salt_key_secret: str
    db_connection_secret: str
    db_master_secret: str
    cache: Cache | None


def deployed(spec: PlatformSpec, outputs: dict[str, str], region: str) -> Deployed:
    """The outputs `spec`'s hand-off needs, or an error naming the missing ones.

    The secrets live in the region of the RDS master secret's ARN; `region` is used only when
    that ARN does not say (a hand-written outputs file)."""
    needed = PLATFORM_OUTPUTS + (CACHE_OUTPUTS if spec.cache.enabled else ())
    missing = [name for name in needed if not outputs.get(name)]
    if missing:
        raise LitellmCfnError(
            f"the platform's outputs lack {', '.join(missing)}; deploy this spec first "
            "(or save its outputs again with `litellm-cfn outputs --format json`)"
        )
    master = outputs[wiring.RDS_MASTER_USER_SECRET_ARN.name]
    cache = None
    if spec.cache.enabled:
        cache = Cache(
            _checked(outputs, wiring.CACHE_ENDPOINT.name, HOST_NAME, "a host name"),
            _checked(outputs, wiring.CACHE_PORT.name, PORT, "a port number"),
            outputs[wiring.REDIS_PASSWORD_SECRET_NAME.name],
        )
    return Deployed(
        region=_region_of(master) or region,
        litellm_role_arn=outputs[wiring.LITELLM_ROLE_ARN.name],
        external_secrets_role_arn=outputs[wiring.EXTERNAL_SECRETS_ROLE_ARN.name],
        master_key_secret=outputs[wiring.MASTER_KEY_SECRET_NAME.name],
        salt_key_secret=outputs[wiring.SALT_KEY_SECRET_NAME.name],
        db_connection_secret=outputs[wiring.DB_CONNECTION_SECRET_NAME.name],
        db_master_secret=master,
        cache=cache,
    )


def _checked(outputs: dict[str, str], name: str, pattern: str, what: str) -> str:
    """An output written literally into the Secret's template, where External Secrets would
    evaluate anything that looks like a template: it must be what CloudFormation gives."""
    value = outputs[name]
    if not re.fullmatch(pattern, value):
        raise LitellmCfnError(f"output {name} is {shown(value)}, not {what}")
    return value


def _region_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def deployed_from_file(spec: PlatformSpec, path: Path, region: str) -> Deployed:
    """The deployed platform as a saved outputs file describes it; any problem with the
    file is bad input named after it."""
    try:
        return deployed(spec, read_outputs_file(path), region)
    except InputError:
        raise
    except LitellmCfnError as error:
        raise InputError(f"{path}: {error}") from None


def read_outputs_file(path: Path) -> dict[str, str]:
    """The outputs saved by `outputs --format json`: one JSON object of names to strings."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise InputError(f"{path}: cannot read the outputs file: {reason}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg}); save it with "
            "`litellm-cfn outputs SPEC --format json > FILE`"
        ) from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: must be a JSON object of output names to values")
    wrong = [name for name, value in document.items() if not isinstance(value, str)]
    if wrong:
        raise InputError(f"{path}: {shown(wrong[0])} must be a string, as CloudFormation gives it")
    return document
