"""The Kubernetes manifests that connect the cluster to the deployed infrastructure.

Two ServiceAccounts annotated with their IRSA roles, a ClusterSecretStore for AWS Secrets
Manager that authenticates as the External Secrets Operator's ServiceAccount, and an
ExternalSecret that composes the Secret LiteLLM reads. DATABASE_URL is composed at every
sync from the RDS-managed master secret (which RDS rotates) and the connection secret, so a
rotated password reaches LiteLLM within the refresh interval.
"""

from __future__ import annotations

from typing import Any

import yaml

from litellm_cfn.errors import LitellmCfnError
from litellm_cfn.spec import PlatformSpec

EXTERNAL_SECRETS_API = "external-secrets.io/v1"
REFRESH_INTERVAL = "1h"
LITELLM_SECRET = "litellm-secrets"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
NEEDED_OUTPUTS = (
    "LitellmBedrockRoleArn",
    "ExternalSecretsRoleArn",
    "LitellmMasterKeySecretName",
    "LitellmSaltKeySecretName",
    "RedisPasswordSecretName",
    "DbConnectionSecretName",
    "RdsMasterUserSecretArn",
)
# The RDS password may hold characters that mean something in a URL (`:`, `#`, `%`...);
# urlquery escapes them. RDS never generates spaces, which urlquery would turn into `+`.
DATABASE_URL = (
    "postgresql://{{ .db_username | urlquery }}:{{ .db_password | urlquery }}"
    "@{{ .db_host }}:{{ .db_port }}/{{ .db_name }}?sslmode={{ .db_sslmode }}"
)


def manifests(spec: PlatformSpec, outputs: dict[str, str], region: str) -> dict[str, Any]:
    """Every manifest by file name, as Kubernetes objects."""
    missing = [name for name in NEEDED_OUTPUTS if name not in outputs]
    if missing:
        raise LitellmCfnError(
            f"the deployed stack lacks outputs {', '.join(missing)}; deploy this spec first"
        )
    litellm_ns, litellm_sa = spec.iam.litellm_service_account.split("/")
    eso_ns, eso_sa = spec.iam.external_secrets_service_account.split("/")
    store = f"{spec.stack_name}-secrets-manager"
    return {
        "service-accounts.yaml": [
            _service_account(litellm_ns, litellm_sa, outputs["LitellmBedrockRoleArn"]),
            _service_account(eso_ns, eso_sa, outputs["ExternalSecretsRoleArn"]),
        ],
        "cluster-secret-store.yaml": [
            {
                "apiVersion": EXTERNAL_SECRETS_API,
                "kind": "ClusterSecretStore",
                "metadata": {"name": store},
                "spec": {
                    "provider": {
                        "aws": {
                            "service": "SecretsManager",
                            "region": region,
                            "auth": {
                                "jwt": {"serviceAccountRef": {"name": eso_sa, "namespace": eso_ns}}
                            },
                        }
                    }
                },
            }
        ],
        "external-secret.yaml": [_external_secret(litellm_ns, store, outputs)],
    }


def _service_account(namespace: str, name: str, role_arn: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {IRSA_ANNOTATION: role_arn},
        },
    }


def _external_secret(namespace: str, store: str, outputs: dict[str, str]) -> dict[str, Any]:
    master = outputs["RdsMasterUserSecretArn"]
    connection = outputs["DbConnectionSecretName"]
    sources = [
        ("master_key", outputs["LitellmMasterKeySecretName"], None),
        ("salt_key", outputs["LitellmSaltKeySecretName"], None),
        ("redis_password", outputs["RedisPasswordSecretName"], None),
        ("db_username", master, "username"),
        ("db_password", master, "password"),
        ("db_host", connection, "host"),
        ("db_port", connection, "port"),
        ("db_name", connection, "dbname"),
        ("db_sslmode", connection, "sslmode"),
    ]
    return {
        "apiVersion": EXTERNAL_SECRETS_API,
        "kind": "ExternalSecret",
        "metadata": {"name": LITELLM_SECRET, "namespace": namespace},
        "spec": {
            "refreshInterval": REFRESH_INTERVAL,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": store},
            "target": {
                "name": LITELLM_SECRET,
                "creationPolicy": "Owner",
                "template": {
                    "engineVersion": "v2",
                    "data": {
                        # LiteLLM requires the master key it sees to start with sk-.
                        "LITELLM_MASTER_KEY": "sk-{{ .master_key }}",
                        "LITELLM_SALT_KEY": "{{ .salt_key }}",
                        "REDIS_PASSWORD": "{{ .redis_password }}",
                        "DATABASE_URL": DATABASE_URL,
                    },
                },
            },
            "data": [
                {
                    "secretKey": key,
                    "remoteRef": {"key": secret, **({"property": prop} if prop else {})},
                }
                for key, secret, prop in sources
            ],
        },
    }


def to_yaml(documents: list[Any]) -> str:
    """A multi-document YAML file."""
    return yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=False)
