"""The version lock beside a spec: EKS add-on versions looked up once, then committed.

`litellm-cfn lock SPEC` asks EKS for each add-on's default version for the spec's Kubernetes
version and writes `<spec name>.lock.json` beside the spec (not `.yaml`, so nothing that lists
the specs mistakes it for one), as CDK keeps its lookups in `cdk.context.json`. Loading a
spec reads its lock when there is one: every add-on the spec does not pin itself
(`eks.addons.<name>.version`) gets the lock's version, so `build` stays offline and
deterministic, and an upgrade moves the add-ons once the lock is made again. A lock made for
another Kubernetes version is refused, located in the lock file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from litellm_cfn.errors import SpecError
from litellm_cfn.spec import eks as eks_models
from litellm_cfn.spec.base import Model, Str, matching
from litellm_cfn.spec.eks import AddonName, AddonVersion
from litellm_cfn.spec.source import SourceMap, parse, read

LOCK_SUFFIX = ".lock.json"
LOCK_FORMAT = 1


class Lock(Model):
    """What `litellm-cfn lock` wrote: the Kubernetes version it asked EKS about, and each
    add-on's default version for it."""

    format: int = Field(LOCK_FORMAT, description="The lock file's format.")
    kubernetes_version: Annotated[Str, matching(r"1\.[2-9][0-9]", "is not a minor version")]
    addons: dict[AddonName, AddonVersion]


def lock_path(spec_path: Path) -> Path:
    """`specs/platform.yaml` -> `specs/platform.lock.json`."""
    return spec_path.with_name(spec_path.stem + LOCK_SUFFIX)


def read_lock(path: Path) -> tuple[Lock, SourceMap] | None:
    """The lock at `path` and where its values are written, or None if there is none."""
    if not path.exists():
        return None
    data, where = parse(read(path), str(path))
    try:
        return Lock.model_validate(data), where
    except ValidationError as error:
        from litellm_cfn.spec.problems import problems_from

        raise SpecError(problems_from(error, where)) from None


def render_lock(lock: Lock) -> str:
    """The lock file's text, the same for the same versions: what it was made for first,
    then the add-ons by name."""
    document = {
        "format": lock.format,
        "kubernetes_version": lock.kubernetes_version,
        "addons": dict(sorted(lock.addons.items())),
    }
    return json.dumps(document, indent=2) + "\n"


def apply_lock(
    spec: eks_models.Eks, lock: Lock, where: SourceMap, spec_file: str
) -> eks_models.Eks:
    """The spec's `eks` section with every add-on it does not pin taken from the lock;
    refused if the lock was made for another Kubernetes version."""
    if lock.kubernetes_version != spec.cluster_version:
        problem = where.problem(
            ("kubernetes_version",),
            f"the lock was made for Kubernetes {lock.kubernetes_version}, the spec asks for "
            f"{spec.cluster_version}: run `litellm-cfn lock {spec_file}`",
        )
        raise SpecError([problem])
    addons = dict(spec.addons)
    for name, version in lock.addons.items():
        settings = addons.get(name)
        if settings is None or settings.version is None:
            base = settings or eks_models.Addon()
            addons[name] = base.model_copy(update={"version": version})
    return spec.model_copy(update={"addons": dict(sorted(addons.items()))})
