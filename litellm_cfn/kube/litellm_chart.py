"""Values for LiteLLM's official helm chart (BerriAI/litellm, `deploy/charts/litellm-helm`).

What the chart does with each key was read in its templates (deployment.yaml,
migrations-job.yaml, _helpers.tpl): the master key reaches `PROXY_MASTER_KEY` only through
`masterkeySecretName`/`masterkeySecretKey` (otherwise the chart generates one of its own);
`db.deployStandalone` defaults to an in-cluster PostgreSQL; the migrations Job reads no
`envFrom`, only `envVars` and `extraEnvVars`, so every key of `litellm-secrets` is passed
through `extraEnvVars` as well as `environmentSecrets`.
"""

from __future__ import annotations

from typing import Any

from litellm_cfn.kube.database_user import setup_container
from litellm_cfn.kube.deployed import Deployed
from litellm_cfn.kube.names import LITELLM_RELEASE, LITELLM_SECRET, litellm_service_account
from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.iam import APPLICATION_PROFILE, FOUNDATION_MODEL, INFERENCE_PROFILE

# The image with Prisma for a database. 1.80.15 is the first release that refreshes its
# IAM database token before the 15-minute expiry (BerriAI/litellm PR #18795, "proactive RDS
# IAM token refresh"; older releases lost the connection after 15 minutes, issue #5896);
# 1.100 reads DATABASE_SSLMODE. The chart's own default (appVersion v1.80.12) predates both.
LITELLM_IMAGE = {"repository": "ghcr.io/berriai/litellm-database", "tag": "v1.110.2"}
ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"


def values(spec: PlatformSpec, platform: Deployed, secret_keys: list[str]) -> dict[str, Any]:
    """The chart's values for this platform; `secret_keys` are the keys of litellm-secrets."""
    prod = spec.environment == "prod"
    chart: dict[str, Any] = {
        "replicaCount": 2 if prod else 1,
        "image": {**LITELLM_IMAGE, "pullPolicy": "IfNotPresent"},
        "serviceAccount": {"create": False, "name": litellm_service_account(spec)},
        "masterkeySecretName": LITELLM_SECRET,
        "masterkeySecretKey": "LITELLM_MASTER_KEY",
        "environmentSecrets": [LITELLM_SECRET],
        "extraEnvVars": [
            {"name": key, "valueFrom": {"secretKeyRef": {"name": LITELLM_SECRET, "key": key}}}
            for key in secret_keys
        ],
        # The migrations Job migrates (its own DISABLE_SCHEMA_UPDATE=false comes after this);
        # replicas starting together must not race to migrate the schema.
        "envVars": {"DISABLE_SCHEMA_UPDATE": "true"},
        "db": {"useExisting": False, "deployStandalone": False},
        "redis": {"enabled": False},
        "migrationJob": {
            "enabled": True,
            "hooks": {"helm": {"enabled": True}, "argocd": {"enabled": True}},
            "extraInitContainers": [setup_container(spec)],
        },
        "proxy_config": proxy_config(spec, platform),
        "resources": {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"memory": "2Gi"},
        },
    }
    if prod:
        chart |= {
            "topologySpreadConstraints": [
                _spread(ZONE, "DoNotSchedule"),
                _spread(HOSTNAME, "ScheduleAnyway"),
            ],
            "pdb": {"enabled": True, "minAvailable": 1},
        }
    return chart


def _spread(topology_key: str, when_unsatisfiable: str) -> dict[str, Any]:
    return {
        "maxSkew": 1,
        "topologyKey": topology_key,
        "whenUnsatisfiable": when_unsatisfiable,
        "labelSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "litellm",
                "app.kubernetes.io/instance": LITELLM_RELEASE,
            }
        },
        "matchLabelKeys": ["pod-template-hash"],
    }


def proxy_config(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    """LiteLLM's config.yaml: every allowed Bedrock model, and the router on the cache."""
    config: dict[str, Any] = {
        "model_list": model_list(spec, platform.region),
        "general_settings": {"master_key": "os.environ/PROXY_MASTER_KEY"},
    }
    if platform.cache is not None:
        # docs.litellm.ai "Production": host, port and password rather than a URL; the TLS
        # flag comes from REDIS_SSL in the environment.
        config["router_settings"] = {
            "redis_host": "os.environ/REDIS_HOST",
            "redis_port": "os.environ/REDIS_PORT",
            "redis_password": "os.environ/REDIS_PASSWORD",
        }
    return config


def model_list(spec: PlatformSpec, region: str) -> list[dict[str, Any]]:
    """One entry per model LiteLLM's role may invoke, named by its Bedrock id.

    A cross-region inference profile is served by its profile id; the foundation model it
    routes to is listed in the spec only for IAM, and left out here, because Bedrock refuses
    on-demand calls to many such models by their bare id (LiteLLM, "Bedrock": cross-region
    inference; an application profile is passed as `bedrock/<arn>`).
    """
    arns = spec.iam.bedrock_model_arns
    routed = {m.group(1) for arn in arns if (m := INFERENCE_PROFILE.fullmatch(arn))}
    entries = []
    for arn in arns:
        if (model := FOUNDATION_MODEL.fullmatch(arn)) is not None:
            if model.group(2) in routed:
                continue
            arn_region = model.group(1)
            entries.append(
                _entry(model.group(2), model.group(2), region if arn_region == "*" else arn_region)
            )
        elif INFERENCE_PROFILE.fullmatch(arn) is not None:
            profile = arn.rsplit("/", 1)[1]
            entries.append(_entry(profile, profile, arn.split(":")[3]))
        elif APPLICATION_PROFILE.fullmatch(arn) is not None:
            entries.append(_entry(arn.rsplit("/", 1)[1], arn, arn.split(":")[3]))
    return entries


def _entry(name: str, model: str, region: str) -> dict[str, Any]:
    return {
        "model_name": name,
        "litellm_params": {"model": f"bedrock/{model}", "aws_region_name": region},
    }
