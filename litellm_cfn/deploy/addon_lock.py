"""`litellm-cfn lock`: ask EKS for each add-on's default version for the spec's Kubernetes
version (DescribeAddonVersions,
https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonVersions.html: an
add-on version's `compatibilities` name the cluster versions it runs on and whether it is
the default there) and write the lock beside the spec (`litellm_cfn.spec.lock`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, get_args

from litellm_cfn.errors import InputError, LitellmCfnError
from litellm_cfn.spec.eks import AddonName
from litellm_cfn.spec.lock import Lock, lock_path, render_lock


def default_versions(eks: Any, kubernetes_version: str) -> dict[str, str]:
    """Each add-on's default version for `kubernetes_version`, as EKS names it."""
    versions = {}
    for name in get_args(AddonName):
        pages = eks.get_paginator("describe_addon_versions").paginate(
            addonName=name, kubernetesVersion=kubernetes_version
        )
        defaults = [
            version["addonVersion"]
            for page in pages
            for addon in page.get("addons", [])
            for version in addon.get("addonVersions", [])
            if any(
                c.get("clusterVersion") == kubernetes_version and c.get("defaultVersion")
                for c in version.get("compatibilities", [])
            )
        ]
        if not defaults:
            raise LitellmCfnError(
                f"EKS names no default {name} version for Kubernetes {kubernetes_version} "
                f"in this region; pin eks.addons.{name}.version in the spec instead"
            )
        versions[name] = defaults[0]
    return versions


def write_lock(spec_path: Path, kubernetes_version: str, versions: dict[str, str]) -> Path:
    """Write the lock beside the spec, whole or not at all; its path."""
    path = lock_path(spec_path)
    text = render_lock(Lock(kubernetes_version=kubernetes_version, addons=versions))
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the lock: {error.strerror or error}") from None
    return path
