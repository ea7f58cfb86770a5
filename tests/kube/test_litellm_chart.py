"""The generated values through LiteLLM's official chart, rendered offline by the real
template engine (../shared/ref/render-litellm-chart), and what Kubernetes makes of it."""

from __future__ import annotations

import pytest
import yaml

from litellm_cfn.kube.litellm_chart import LITELLM_IMAGE, model_list
from tests.conftest import spec_from
from tests.kube.platform import OUTPUTS, documents_of, kubernetes_errors, render_chart

DOCUMENTS = documents_of()
(VALUES,) = DOCUMENTS["litellm-values.yaml"]
RENDERED = render_chart(VALUES)
SECRET_KEYS = list(DOCUMENTS["external-secrets.yaml"][0]["spec"]["target"]["template"]["data"])


def rendered(kind: str, objects: list[dict] = RENDERED) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


def pod_of(kind: str, objects: list[dict] = RENDERED) -> dict:
    return rendered(kind, objects)["spec"]["template"]["spec"]


def container(kind: str, objects: list[dict] = RENDERED) -> dict:
    (first,) = pod_of(kind, objects)["containers"]
    return first


def from_secret(entries: list[dict]) -> dict[str, tuple[str, str]]:
    """name -> (Secret, key) of each env entry read from a Secret (the last one wins)."""
    found = {}
    for entry in entries:
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        if ref is not None:
            found[entry["name"]] = (ref["name"], ref["key"])
    return found


def plain(entries: list[dict]) -> dict[str, str]:
    """name -> value of each literal env entry; Kubernetes keeps the last of a name."""
    return {e["name"]: e["value"] for e in entries if "value" in e}


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_litellm_and_its_migrations_get_every_key_of_litellms_secret(kind):
    env = from_secret(container(kind)["env"])
    for key in SECRET_KEYS:
        assert env[key] == ("litellm-secrets", key), key
    assert {"LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "DATABASE_HOST", "REDIS_HOST"} <= set(env)


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_both_run_as_our_service_account_with_the_pinned_image(kind):
    pod = pod_of(kind)
    assert pod["serviceAccountName"] == "litellm"
    assert container(kind)["image"] == f"{LITELLM_IMAGE['repository']}:{LITELLM_IMAGE['tag']}"


def test_the_pinned_image_refreshes_its_iam_token_before_it_expires():
    major, minor, patch = (int(p) for p in LITELLM_IMAGE["tag"].lstrip("v").split("."))
    assert (major, minor, patch) >= (1, 100, 0)  # 1.80.15: token refresh; 1.100: SSL mode


def test_the_master_key_is_ours_not_one_the_chart_generates():
    env = container("Deployment")["env"]
    assert from_secret(env)["PROXY_MASTER_KEY"] == ("litellm-secrets", "LITELLM_MASTER_KEY")
    assert not [o for o in RENDERED if o["kind"] == "Secret"]
    config = yaml.safe_load(rendered("ConfigMap")["data"]["config.yaml"])
    assert config["general_settings"]["master_key"] == "os.environ/PROXY_MASTER_KEY"
    assert container("Deployment")["envFrom"] == [{"secretRef": {"name": "litellm-secrets"}}]


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_the_database_is_reached_with_iam_tokens_never_a_frozen_url(kind):
    env = container(kind)["env"]
    assert "DATABASE_URL" not in {e["name"] for e in env}
    assert "DATABASE_PASSWORD" not in {e["name"] for e in env}
    assert from_secret(env)["IAM_TOKEN_DB_AUTH"] == ("litellm-secrets", "IAM_TOKEN_DB_AUTH")


def test_only_the_migrations_job_migrates():
    assert plain(container("Deployment")["env"])["DISABLE_SCHEMA_UPDATE"] == "true"
    assert plain(container("Job")["env"])["DISABLE_SCHEMA_UPDATE"] == "false"
    annotations = rendered("Job")["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["argocd.argoproj.io/hook"] == "PreSync"


def test_the_migrations_job_first_creates_litellms_database_user():
    (setup,) = pod_of("Job")["initContainers"]
    assert setup["image"] == "public.ecr.aws/docker/library/postgres:17-alpine"
    assert setup["envFrom"] == [{"secretRef": {"name": "litellm-database-admin"}}]
    assert setup["command"][:5] == ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-c"]
    assert 'GRANT rds_iam TO "litellm_app";' in setup["command"][5]
    assert setup["securityContext"]["runAsNonRoot"] is True


def test_no_in_cluster_postgres_or_redis_is_rendered():
    kinds = sorted(o["kind"] for o in RENDERED)
    assert kinds == ["ConfigMap", "Deployment", "Job", "PodDisruptionBudget", "Service"]
    assert "postgresql" not in yaml.safe_dump_all(RENDERED).replace("postgresql://", "")


def test_health_probes_are_litellms_readiness_and_liveliness():
    main = container("Deployment")
    assert main["readinessProbe"]["httpGet"]["path"] == "/health/readiness"
    assert main["livenessProbe"]["httpGet"]["path"] == "/health/liveliness"


def test_prod_runs_two_replicas_spread_across_zones_with_a_disruption_budget():
    deployment = rendered("Deployment")
    assert deployment["spec"]["replicas"] == 2
    (zone, host) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert (zone["topologyKey"], zone["whenUnsatisfiable"]) == (
        "topology.kubernetes.io/zone",
        "DoNotSchedule",
    )
    assert zone["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert host["topologyKey"] == "kubernetes.io/hostname"
    assert rendered("PodDisruptionBudget")["spec"]["minAvailable"] == 1


def test_dev_runs_one_replica_without_a_budget():
    (values,) = documents_of("name: litellm\nenvironment: dev\n")["litellm-values.yaml"]
    objects = render_chart(values)
    assert rendered("Deployment", objects)["spec"]["replicas"] == 1
    assert "PodDisruptionBudget" not in {o["kind"] for o in objects}


def test_the_proxy_config_serves_the_allowed_models_and_shares_state_in_the_cache():
    config = yaml.safe_load(rendered("ConfigMap")["data"]["config.yaml"])
    assert config["model_list"] == [
        {
            "model_name": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "litellm_params": {
                "model": "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0",
                "aws_region_name": "us-east-1",
            },
        }
    ]
    assert config["router_settings"] == {
        "redis_host": "os.environ/REDIS_HOST",
        "redis_port": "os.environ/REDIS_PORT",
        "redis_password": "os.environ/REDIS_PASSWORD",
    }
    env = from_secret(container("Deployment")["env"])
    assert env["REDIS_SSL"] == ("litellm-secrets", "REDIS_SSL")
    assert OUTPUTS["CacheEndpoint"] in str(DOCUMENTS["external-secrets.yaml"])


def test_a_cross_region_profile_is_served_by_its_id_and_its_model_only_allowed():
    sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    text = f"""\
    name: litellm
    iam:
      bedrock_model_arns:
        - arn:aws:bedrock:*::foundation-model/{sonnet}
        - arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{sonnet}
        - arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0
        - arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/a1b2c3d4e5f6
    """
    entries = model_list(spec_from(text), "us-east-1")
    assert [(e["model_name"], e["litellm_params"]) for e in entries] == [
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            {
                "model": "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "aws_region_name": "us-east-1",
            },
        ),
        (
            "amazon.nova-pro-v1:0",
            {"model": "bedrock/amazon.nova-pro-v1:0", "aws_region_name": "eu-west-1"},
        ),
        (
            "a1b2c3d4e5f6",
            {
                "model": "bedrock/arn:aws:bedrock:us-west-2:123456789012:"
                "application-inference-profile/a1b2c3d4e5f6",
                "aws_region_name": "us-west-2",
            },
        ),
    ]


@pytest.mark.parametrize("document", RENDERED, ids=lambda d: d["kind"])
def test_every_object_the_chart_renders_from_our_values_is_valid_kubernetes(document):
    assert kubernetes_errors(document) is None
