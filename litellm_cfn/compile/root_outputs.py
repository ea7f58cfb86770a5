"""The root template's composed outputs: the seed's `configure_kubectl` and
`deploy_script_env_vars`, built from the nested stacks' outputs.

Each is an Fn::Sub text whose `${Name}` variables are nested output names (`${AWS::...}`
pseudo parameters pass through). The compiler adds an output only when every stack it
names is enabled (both below name stacks that always are; one naming a bastion output would
appear only with a bastion).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComposedOutput:
    """A root output: its name, description and Fn::Sub text over nested output names."""

    name: str
    description: str
    text: str


# (variable, nested output) for the deploy script: what the Kubernetes side needs to know.
DEPLOY_SCRIPT_VARIABLES = (
    ("AWS_REGION", "AWS::Region"),
    ("EKS_CLUSTER_NAME", "EksClusterName"),
    ("LITELLM_BEDROCK_ROLE_ARN", "LitellmBedrockRoleArn"),
    ("EXTERNAL_SECRETS_ROLE_ARN", "ExternalSecretsRoleArn"),
    ("RDS_ENDPOINT", "RdsEndpoint"),
    ("RDS_MASTER_USER_SECRET_ARN", "RdsMasterUserSecretArn"),
    ("DB_CONNECTION_SECRET_NAME", "DbConnectionSecretName"),
    ("LITELLM_MASTER_KEY_SECRET_NAME", "LitellmMasterKeySecretName"),
    ("LITELLM_SALT_KEY_SECRET_NAME", "LitellmSaltKeySecretName"),
    ("REDIS_PASSWORD_SECRET_NAME", "RedisPasswordSecretName"),
)

COMPOSED_OUTPUTS = (
    ComposedOutput(
        "ConfigureKubectl",
        "Point kubectl at the cluster",
        "aws eks update-kubeconfig --name ${EksClusterName} --region ${AWS::Region}",
    ),
    ComposedOutput(
        "DeployScriptEnvVars",
        "export lines for the Kubernetes deploy script: eval them",
        "\n".join(f"export {name}=${{{output}}}" for name, output in DEPLOY_SCRIPT_VARIABLES),
    ),
)
