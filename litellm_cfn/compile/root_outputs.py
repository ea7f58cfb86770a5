"""The root template's composed outputs: the seed's `configure_kubectl` and
`deploy_script_env_vars`, built from the nested stacks' outputs.

Each is an Fn::Sub text whose `${Name}` variables are nested output names (`${AWS::...}`
pseudo parameters pass through), declared in nested_stacks/wiring.py. The compiler adds an
output only when every stack it names is enabled (both below name stacks that always are;
one naming a bastion output would appear only with a bastion), and refuses one naming an
output no stack declares.
"""

from __future__ import annotations

from dataclasses import dataclass

from nested_stacks.wiring import (
    DB_CONNECTION_SECRET_NAME,
    EKS_CLUSTER_NAME,
    EXTERNAL_SECRETS_ROLE_ARN,
    LITELLM_ROLE_ARN,
    MASTER_KEY_SECRET_NAME,
    RDS_ENDPOINT,
    RDS_MASTER_USER_SECRET_ARN,
    REDIS_PASSWORD_SECRET_NAME,
    SALT_KEY_SECRET_NAME,
)


@dataclass(frozen=True)
class ComposedOutput:
    """A root output: its name, description and Fn::Sub text over nested output names."""

    name: str
    description: str
    text: str


# (variable, nested output) for the deploy script: what the Kubernetes side needs to know.
DEPLOY_SCRIPT_VARIABLES = (
    ("AWS_REGION", "AWS::Region"),
    ("EKS_CLUSTER_NAME", EKS_CLUSTER_NAME.name),
    ("LITELLM_BEDROCK_ROLE_ARN", LITELLM_ROLE_ARN.name),
    ("EXTERNAL_SECRETS_ROLE_ARN", EXTERNAL_SECRETS_ROLE_ARN.name),
    ("RDS_ENDPOINT", RDS_ENDPOINT.name),
    ("RDS_MASTER_USER_SECRET_ARN", RDS_MASTER_USER_SECRET_ARN.name),
    ("DB_CONNECTION_SECRET_NAME", DB_CONNECTION_SECRET_NAME.name),
    ("LITELLM_MASTER_KEY_SECRET_NAME", MASTER_KEY_SECRET_NAME.name),
    ("LITELLM_SALT_KEY_SECRET_NAME", SALT_KEY_SECRET_NAME.name),
    ("REDIS_PASSWORD_SECRET_NAME", REDIS_PASSWORD_SECRET_NAME.name),
)

COMPOSED_OUTPUTS = (
    ComposedOutput(
        "ConfigureKubectl",
        "Point kubectl at the cluster",
        f"aws eks update-kubeconfig --name ${{{EKS_CLUSTER_NAME}}} --region ${{AWS::Region}}",
    ),
    ComposedOutput(
        "DeployScriptEnvVars",
        "export lines for the Kubernetes deploy script: eval them",
        "\n".join(f"export {name}=${{{output}}}" for name, output in DEPLOY_SCRIPT_VARIABLES),
    ),
)
