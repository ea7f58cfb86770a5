"""The External Secrets side: the operator's chart values, a store only LiteLLM's namespace
may use, and the ExternalSecrets composing LiteLLM's Secret and the database setup's.

The store is a ClusterSecretStore restricted by `conditions` to LiteLLM's namespace: any
other namespace's ExternalSecret naming it is refused (External Secrets, "ClusterSecretStore"
API reference: conditions). It authenticates as the operator's own ServiceAccount, which the
operator's chart creates with the IRSA annotation our values give it, so no second
ServiceAccount of the same name is made.
"""

from __future__ import annotations

from typing import Any

from litellm_cfn.kube.deployed import Deployed
from litellm_cfn.kube.names import (
    DATABASE_ADMIN_SECRET,
    IRSA_ANNOTATION,
    LITELLM_SECRET,
    external_secrets_namespace,
    external_secrets_service_account,
    litellm_namespace,
    secret_store,
)
from litellm_cfn.spec import PlatformSpec

API_VERSION = "external-secrets.io/v1"
REFRESH_INTERVAL = "1h"
# RDS rotates the master password every 7 days; the setup Job reads it at each helm upgrade.
ADMIN_REFRESH_INTERVAL = "15m"
# LiteLLM refuses a master key that does not start with sk-; the stored value is plain.
MASTER_KEY_PREFIX = "sk-"


def operator_values(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    """Values for the External Secrets chart: its CRDs, and its ServiceAccount with IRSA."""
    return {
        "installCRDs": True,
        "serviceAccount": {
            "create": True,
            "name": external_secrets_service_account(spec),
            "annotations": {IRSA_ANNOTATION: platform.external_secrets_role_arn},
        },
    }


def cluster_secret_store(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    """Secrets Manager in the platform's region, usable from LiteLLM's namespace only."""
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterSecretStore",
        "metadata": {"name": secret_store(spec)},
        "spec": {
            "conditions": [{"namespaces": [litellm_namespace(spec)]}],
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": platform.region,
                    "auth": {
                        "jwt": {
                            "serviceAccountRef": {
                                "name": external_secrets_service_account(spec),
                                "namespace": external_secrets_namespace(spec),
                            }
                        }
                    },
                }
            },
        },
    }


def litellm_secret(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    """`litellm-secrets`: every setting LiteLLM reads from a Secret.

    The database settings are IAM database authentication's: LiteLLM signs a 15-minute token
    as its own user and builds its connection URL itself (LiteLLM, `IAM_TOKEN_DB_AUTH` with
    `DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_USER`, `DATABASE_NAME`), so no password of
    the database ever reaches it and RDS's weekly master-password rotation needs no restart.
    """
    sources: list[tuple[str, str, str | None]] = [
        ("master_key", platform.master_key_secret, None),
        ("salt_key", platform.salt_key_secret, None),
        ("db_host", platform.db_connection_secret, "host"),
        ("db_port", platform.db_connection_secret, "port"),
        ("db_name", platform.db_connection_secret, "dbname"),
    ]
    data = {
        "LITELLM_MASTER_KEY": MASTER_KEY_PREFIX + "{{ .master_key }}",
        "LITELLM_SALT_KEY": "{{ .salt_key }}",
        "IAM_TOKEN_DB_AUTH": "true",
        "DATABASE_HOST": "{{ .db_host }}",
        "DATABASE_PORT": "{{ .db_port }}",
        "DATABASE_NAME": "{{ .db_name }}",
        "DATABASE_USER": spec.rds.app_username,
        "DATABASE_SSLMODE": "require",
    }
    if platform.cache is not None:
        sources.append(("redis_password", platform.cache.password_secret, None))
        data |= {
            "REDIS_HOST": platform.cache.host,
            "REDIS_PORT": platform.cache.port,
            "REDIS_PASSWORD": "{{ .redis_password }}",
            # The cache accepts TLS only; LiteLLM reads REDIS_SSL as redis-py's `ssl`.
            "REDIS_SSL": "true",
        }
    return _external_secret(spec, LITELLM_SECRET, REFRESH_INTERVAL, data, sources)


def database_admin_secret(spec: PlatformSpec, platform: Deployed) -> dict[str, Any]:
    """`litellm-database-admin`: the master user's credentials as libpq's environment, read
    only by the migrations Job's setup step, which creates LiteLLM's own user."""
    master = platform.db_master_secret
    connection = platform.db_connection_secret
    sources: list[tuple[str, str, str | None]] = [
        ("username", master, "username"),
        ("password", master, "password"),
        ("host", connection, "host"),
        ("port", connection, "port"),
        ("dbname", connection, "dbname"),
    ]
    data = {
        "PGHOST": "{{ .host }}",
        "PGPORT": "{{ .port }}",
        "PGDATABASE": "{{ .dbname }}",
        "PGUSER": "{{ .username }}",
        "PGPASSWORD": "{{ .password }}",
        "PGSSLMODE": "require",
    }
    return _external_secret(spec, DATABASE_ADMIN_SECRET, ADMIN_REFRESH_INTERVAL, data, sources)


def _external_secret(
    spec: PlatformSpec,
    name: str,
    refresh: str,
    data: dict[str, str],
    sources: list[tuple[str, str, str | None]],
) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": litellm_namespace(spec)},
        "spec": {
            "refreshInterval": refresh,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": secret_store(spec)},
            "target": {
                "name": name,
                "creationPolicy": "Owner",
                "template": {"engineVersion": "v2", "data": data},
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
