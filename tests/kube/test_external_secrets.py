"""The External Secrets side of the hand-off, checked against the operator's real CRDs."""

from __future__ import annotations

import pytest

from tests.kube.platform import (
    MASTER_SECRET,
    OUTPUTS,
    crd_errors,
    crd_schema,
    documents_of,
    kubernetes_errors,
    unknown_fields,
)

DOCUMENTS = documents_of()
ESO_MANIFESTS = DOCUMENTS["secret-store.yaml"] + DOCUMENTS["external-secrets.yaml"]
CORE_MANIFESTS = DOCUMENTS["namespaces.yaml"] + DOCUMENTS["service-account.yaml"]
CONNECTION = "litellm/prod/litellm/db-connection"


def by_name(name: str) -> dict:
    (found,) = [d for d in DOCUMENTS["external-secrets.yaml"] if d["metadata"]["name"] == name]
    return found


@pytest.mark.parametrize("document", ESO_MANIFESTS, ids=lambda d: d["metadata"]["name"])
def test_every_external_secrets_manifest_validates_against_its_crd(document):
    assert crd_errors(document) == []
    assert unknown_fields(document, crd_schema(document["kind"])) == []


def test_the_crd_check_is_live():
    store = documents_of()["secret-store.yaml"][0]
    store["spec"]["conditions"] = [{"namespaces": "litellm"}]
    store["spec"]["provider"]["aws"]["regoin"] = "us-east-1"
    assert crd_errors(store) == ["spec.conditions.0.namespaces: 'litellm' is not of type 'array'"]
    assert unknown_fields(store, crd_schema("ClusterSecretStore")) == [".spec.provider.aws.regoin"]


@pytest.mark.parametrize("document", CORE_MANIFESTS, ids=lambda d: d["kind"])
def test_namespaces_and_the_service_account_validate_against_kubernetes(document):
    assert kubernetes_errors(document) is None


def test_the_kubernetes_check_is_live():
    namespace = dict(DOCUMENTS["namespaces.yaml"][0], spec={"finalizer": ["kubernetes"]})
    assert "finalizer" in (kubernetes_errors(namespace) or "")


def test_only_litellms_namespace_may_use_the_store():
    (store,) = DOCUMENTS["secret-store.yaml"]
    assert store["kind"] == "ClusterSecretStore"
    assert store["spec"]["conditions"] == [{"namespaces": ["litellm"]}]
    assert store["spec"]["provider"]["aws"] == {
        "service": "SecretsManager",
        "region": "us-east-1",
        "auth": {
            "jwt": {
                "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}
            }
        },
    }
    moved = documents_of("name: litellm\niam: {litellm_service_account: gateway/proxy}\n")
    assert moved["secret-store.yaml"][0]["spec"]["conditions"] == [{"namespaces": ["gateway"]}]


def test_the_operators_own_chart_makes_its_service_account_with_the_irsa_role():
    (values,) = DOCUMENTS["external-secrets-values.yaml"]
    assert values == {
        "installCRDs": True,
        "serviceAccount": {
            "create": True,
            "name": "external-secrets",
            "annotations": {"eks.amazonaws.com/role-arn": OUTPUTS["ExternalSecretsRoleArn"]},
        },
    }
    accounts = [d for d in CORE_MANIFESTS if d["kind"] == "ServiceAccount"]
    assert [a["metadata"]["name"] for a in accounts] == ["litellm"]


def test_namespaces_for_litellm_and_the_operator_are_rendered_once_each():
    assert [d["metadata"]["name"] for d in DOCUMENTS["namespaces.yaml"]] == [
        "litellm",
        "external-secrets",
    ]
    shared = documents_of(
        "name: litellm\niam: {external_secrets_service_account: litellm/external-secrets}\n"
    )
    assert [d["metadata"]["name"] for d in shared["namespaces.yaml"]] == ["litellm"]


def test_litellms_secret_carries_keys_iam_database_settings_and_the_tls_cache():
    secret = by_name("litellm-secrets")
    assert secret["metadata"]["namespace"] == "litellm"
    target = secret["spec"]["target"]
    assert (target["name"], target["creationPolicy"]) == ("litellm-secrets", "Owner")
    assert target["template"]["data"] == {
        "LITELLM_MASTER_KEY": "sk-{{ .master_key }}",
        "LITELLM_SALT_KEY": "{{ .salt_key }}",
        "IAM_TOKEN_DB_AUTH": "true",
        "DATABASE_HOST": "{{ .db_host }}",
        "DATABASE_PORT": "{{ .db_port }}",
        "DATABASE_NAME": "{{ .db_name }}",
        "DATABASE_USER": "litellm_app",
        "DATABASE_SSLMODE": "require",
        "REDIS_HOST": OUTPUTS["CacheEndpoint"],
        "REDIS_PORT": "6379",
        "REDIS_PASSWORD": "{{ .redis_password }}",
        "REDIS_SSL": "true",
    }
    assert {d["secretKey"]: d["remoteRef"] for d in secret["spec"]["data"]} == {
        "master_key": {"key": "litellm/prod/litellm/master-key"},
        "salt_key": {"key": "litellm/prod/litellm/salt-key"},
        "db_host": {"key": CONNECTION, "property": "host"},
        "db_port": {"key": CONNECTION, "property": "port"},
        "db_name": {"key": CONNECTION, "property": "dbname"},
        "redis_password": {"key": "litellm/prod/litellm/redis-password"},
    }


def test_litellm_never_sees_the_master_users_password():
    secret = by_name("litellm-secrets")
    assert MASTER_SECRET not in str(secret)
    assert "DATABASE_URL" not in secret["spec"]["target"]["template"]["data"]


def test_only_the_database_setup_reads_the_master_user_as_libpq_settings():
    admin = by_name("litellm-database-admin")
    assert admin["spec"]["target"]["template"]["data"] == {
        "PGHOST": "{{ .host }}",
        "PGPORT": "{{ .port }}",
        "PGDATABASE": "{{ .dbname }}",
        "PGUSER": "{{ .username }}",
        "PGPASSWORD": "{{ .password }}",
        "PGSSLMODE": "require",
    }
    sources = {d["secretKey"]: d["remoteRef"] for d in admin["spec"]["data"]}
    assert sources["password"] == {"key": MASTER_SECRET, "property": "password"}
    assert sources["host"] == {"key": CONNECTION, "property": "host"}


def test_without_a_cache_no_redis_setting_is_rendered_or_needed():
    outputs = {k: v for k, v in OUTPUTS.items() if not k.startswith(("Cache", "Redis"))}
    documents = documents_of("name: litellm\ncache: {enabled: false}\n", outputs)
    secret = documents["external-secrets.yaml"][0]
    assert not [k for k in secret["spec"]["target"]["template"]["data"] if k.startswith("REDIS")]
    (values,) = documents["litellm-values.yaml"]
    assert "router_settings" not in values["proxy_config"]
