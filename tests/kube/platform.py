"""A deployed platform as the hand-off sees it, and the real consumers of what it renders:
the official LiteLLM chart (rendered offline by ../shared/ref/render-litellm-chart), the
External Secrets CRDs (../shared/ref/external-secrets) and Kubernetes' own schemas."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import kubernetes_validate
import pytest
import yaml

from litellm_cfn.kube import hand_off
from litellm_cfn.kube.deployed import deployed
from tests.aws import REGION
from tests.conftest import REPO, spec_from

SHARED_REF = REPO.parent / "shared" / "ref"
ACCOUNT = "123456789012"
MASTER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-1234-AbCdEf"
CACHE_HOST = "master.litellm-prod-cache.abc123.use1.cache.amazonaws.com"
OUTPUTS = {
    "EksClusterName": "litellm-eks",
    "EksClusterEndpoint": "https://ABC.gr7.us-east-1.eks.amazonaws.com",
    "RdsEndpoint": "litellm-prod-postgres.abc.us-east-1.rds.amazonaws.com",
    "RdsMasterUserSecretArn": MASTER_SECRET,
    "LitellmBedrockRoleArn": f"arn:aws:iam::{ACCOUNT}:role/litellm-prod-LitellmBedrockRole-1",
    "ExternalSecretsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/litellm-prod-ExternalSecretsRole-1",
    "DbConnectionSecretName": "litellm/prod/litellm/db-connection",
    "LitellmMasterKeySecretName": "litellm/prod/litellm/master-key",
    "LitellmSaltKeySecretName": "litellm/prod/litellm/salt-key",
    "RedisPasswordSecretName": "litellm/prod/litellm/redis-password",
    "CacheEndpoint": CACHE_HOST,
    "CachePort": "6379",
    "ConfigureKubectl": "aws eks update-kubeconfig --name litellm-eks --region us-east-1",
}
# Kubernetes' schemas for the version the platform runs (the default cluster_version).
KUBERNETES_VERSION = "1.36.0"


def deploy_outputs_stack(name: str = "litellm-prod", outputs: dict[str, str] = OUTPUTS) -> None:
    """A stack in moto whose outputs are the platform's (its resources do not matter here)."""
    template = {
        "Resources": {"Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )


def documents_of(text: str = "name: litellm\n", outputs: dict[str, str] = OUTPUTS) -> dict:
    """Each hand-off file of a spec text, parsed: file name -> its YAML documents."""
    spec = spec_from(text)
    files = hand_off(spec, deployed(spec, outputs, REGION))
    return {name: list(yaml.safe_load_all(body)) for name, body in files.items()}


def shared_ref(relative: str) -> Path:
    """A file of ../shared/ref, which CI has beside the clone; its absence is a failure."""
    path = SHARED_REF / relative
    if not path.exists():
        pytest.fail(f"{path} is missing: these tests read the real consumers from ../shared/ref")
    return path


def render_chart(values: dict[str, Any], namespace: str = "litellm") -> list[dict[str, Any]]:
    """The official LiteLLM chart rendered with `values`, as `helm template` would, through
    this interpreter (helm-python-sdk is a test dependency, so nothing is installed here)."""
    command = [sys.executable, str(shared_ref("render-litellm-chart")), "-", "--skip-tests"]
    result = subprocess.run(
        [*command, "--release", "litellm", "--namespace", namespace],
        input=yaml.safe_dump(values),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@functools.cache
def crd_schema(kind: str) -> dict[str, Any]:
    """The served v1 schema of an External Secrets CRD (`ExternalSecret`, ...)."""
    path = shared_ref(f"external-secrets/external-secrets.io_{kind.lower()}s.yaml")
    crd = yaml.safe_load(path.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1" and v["served"]]
    return version["schema"]["openAPIV3Schema"]


def crd_errors(document: dict[str, Any]) -> list[str]:
    """What the CRD schema of the document's kind finds wrong with it."""
    validator = jsonschema.Draft7Validator(crd_schema(document["kind"]))
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


def kubernetes_errors(document: dict[str, Any]) -> str | None:
    """Kubernetes' own schema's verdict on a core object (strict: no unknown fields)."""
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return f"{document['kind']}: {error}"
    return None


def unknown_fields(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Fields a structural schema does not declare: the API server prunes them silently, or
    refuses them under `kubectl apply --validate=strict` (its default), so either way a typo."""
    if isinstance(value, list):
        items = schema.get("items", {})
        return [
            e for i, item in enumerate(value) for e in unknown_fields(item, items, f"{path}[{i}]")
        ]
    if not isinstance(value, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    declared = schema.get("properties")
    if declared is None:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return [e for k, v in value.items() for e in unknown_fields(v, extra, f"{path}.{k}")]
        return []
    found = []
    for key, item in value.items():
        if key not in declared:
            found.append(f"{path}.{key}")
        else:
            found += unknown_fields(item, declared[key], f"{path}.{key}")
    return found
