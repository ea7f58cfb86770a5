"""Names the hand-off's files agree on: namespaces, Secrets, the store and the releases."""

from __future__ import annotations

from litellm_cfn.spec import PlatformSpec

LITELLM_SECRET = "litellm-secrets"
# The master user's credentials, for the one-shot database setup only (never LiteLLM's).
DATABASE_ADMIN_SECRET = "litellm-database-admin"
# The helm release names the README installs with; the values' selectors name them.
LITELLM_RELEASE = "litellm"
EXTERNAL_SECRETS_RELEASE = "external-secrets"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def litellm_namespace(spec: PlatformSpec) -> str:
    """Where LiteLLM, its ServiceAccount and its Secrets live."""
    return spec.iam.litellm_namespace


def litellm_service_account(spec: PlatformSpec) -> str:
    """LiteLLM's ServiceAccount, which its IRSA role trusts."""
    return spec.iam.litellm_service_account.split("/")[1]


def external_secrets_namespace(spec: PlatformSpec) -> str:
    """Where the External Secrets Operator runs."""
    return spec.iam.external_secrets_service_account.split("/")[0]


def external_secrets_service_account(spec: PlatformSpec) -> str:
    """The operator's ServiceAccount (its chart creates it), which its IRSA role trusts."""
    return spec.iam.external_secrets_service_account.split("/")[1]


def secret_store(spec: PlatformSpec) -> str:
    """The ClusterSecretStore reading the platform's secrets from Secrets Manager."""
    return f"{spec.stack_name}-secrets-manager"
