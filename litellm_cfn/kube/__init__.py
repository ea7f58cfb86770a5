"""The hand-off to Kubernetes: what installs LiteLLM's official chart on the platform.

Files, in the order they are applied (the README's "After deploying"):

- `namespaces.yaml`: LiteLLM's and the External Secrets Operator's namespaces;
- `service-account.yaml`: LiteLLM's ServiceAccount, annotated with its IRSA role;
- `external-secrets-values.yaml`: values for the External Secrets chart (CRDs, its own
  ServiceAccount annotated with its IRSA role);
- `secret-store.yaml` and `external-secrets.yaml`: the store only LiteLLM's namespace may
  use, and the ExternalSecrets composing `litellm-secrets` and the database setup's Secret
  (they need the operator's CRDs, so they come after its chart);
- `litellm-values.yaml`: values for LiteLLM's chart.

With `--out`, `kube-manifest.json` beside them lists each file's size and sha256: the marker
that lets a later `kube` replace the folder, as `build` replaces its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from litellm_cfn import __version__
from litellm_cfn.compile.writer import GENERATOR, OutputKind, replacing
from litellm_cfn.compile.writer import write_files as write_into
from litellm_cfn.errors import InputError
from litellm_cfn.kube import external_secrets, litellm_chart
from litellm_cfn.kube.deployed import Deployed
from litellm_cfn.kube.names import (
    IRSA_ANNOTATION,
    external_secrets_namespace,
    litellm_namespace,
    litellm_service_account,
)
from litellm_cfn.spec import PlatformSpec

# Kubernetes manifests, applied with kubectl; the values files are for helm.
MANIFESTS = (
    "namespaces.yaml",
    "service-account.yaml",
    "secret-store.yaml",
    "external-secrets.yaml",
)
VALUES = ("external-secrets-values.yaml", "litellm-values.yaml")
KUBE_OUTPUT = OutputKind("kube output", "kube-manifest.json")


def hand_off(spec: PlatformSpec, platform: Deployed) -> dict[str, str]:
    """Every file of the hand-off by name, in the order they are used."""
    litellm_secret = external_secrets.litellm_secret(spec, platform)
    secret_keys = list(litellm_secret["spec"]["target"]["template"]["data"])
    documents: dict[str, Any] = {
        "namespaces.yaml": [
            _namespace(name)
            for name in dict.fromkeys((litellm_namespace(spec), external_secrets_namespace(spec)))
        ],
        "service-account.yaml": [_litellm_service_account(spec, platform)],
        "external-secrets-values.yaml": [external_secrets.operator_values(spec, platform)],
        "secret-store.yaml": [external_secrets.cluster_secret_store(spec, platform)],
        "external-secrets.yaml": [
            litellm_secret,
            external_secrets.database_admin_secret(spec, platform),
        ],
        "litellm-values.yaml": [litellm_chart.values(spec, platform, secret_keys)],
    }
    return {name: to_yaml(docs) for name, docs in documents.items()}


def write_files(out: Path, platform: str, files: dict[str, str]) -> list[Path]:
    """Write the hand-off's files and their manifest into `out`, all or nothing, as `build`
    does: only an absent or empty folder, or an earlier `kube` output, is replaced."""
    written = files | {KUBE_OUTPUT.marker: manifest(platform, files)}
    try:
        with replacing(out, KUBE_OUTPUT) as stage:
            write_into(stage, written)
    except OSError as error:
        raise InputError(f"{out}: cannot write: {error.strerror or error}") from None
    return [out / name for name in written]


def manifest(platform: str, files: dict[str, str]) -> str:
    """kube-manifest.json: each file's size and sha256, keys sorted (no timestamps)."""
    document = {
        "generator": f"{GENERATOR} {__version__}",
        "platform": platform,
        "files": {
            name: {"bytes": len(text.encode()), "sha256": hashlib.sha256(text.encode()).hexdigest()}
            for name, text in files.items()
        },
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _namespace(name: str) -> dict[str, Any]:
    """A namespace whose pods must meet the baseline Pod Security Standard (the restricted
    one is reported, not enforced: LiteLLM's image runs as root)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
    }


def _litellm_service_account(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": litellm_service_account(spec),
            "namespace": litellm_namespace(spec),
            "annotations": {IRSA_ANNOTATION: platform.litellm_role_arn},
        },
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the setup SQL) as literal blocks, readable in review."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def to_yaml(documents: list[Any]) -> str:
    """A YAML file of one or more documents."""
    return yaml.dump_all(
        documents, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100
    )
