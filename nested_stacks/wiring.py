"""Every value a nested stack gives, declared once: its name (the Output's, and the Parameter's
of each stack that takes it) and the stack that outputs it.

Producers, consumers, the compiler, the root's composed outputs, `kube` and the tests import
these names instead of spelling them. The compiler checks the templates against them: a
stack that takes a parameter must find it output by its declared producer, and a producer
must output what it declares, so renaming or misspelling one end fails the build loudly
instead of dropping a wire (or keeping a parameter's default) in silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Wire:
    """One output of one nested stack (`producer` is the stack module's NAME)."""

    name: str
    producer: str

    def __str__(self) -> str:
        return self.name


def _outputs(producer: str, *names: str) -> tuple[Wire, ...]:
    return tuple(Wire(name, producer) for name in names)


# fmt: off
VPC_ID, VPC_CIDR, PUBLIC_SUBNET_IDS, PRIVATE_SUBNET_IDS, DATABASE_SUBNET_IDS = _outputs(
    "vpc", "VpcId", "VpcCidr", "PublicSubnetIds", "PrivateSubnetIds", "DatabaseSubnetIds",
)
(
    EKS_CLUSTER_NAME, EKS_CLUSTER_ARN, EKS_CLUSTER_ENDPOINT, EKS_CLUSTER_CA_DATA,
    EKS_CLUSTER_SECURITY_GROUP_ID, EKS_CONTROL_PLANE_SECURITY_GROUP_ID, EKS_NODE_ROLE_ARN,
    EKS_OIDC_ISSUER, EKS_OIDC_PROVIDER_ARN, EKS_SECRETS_KEY_ARN,
) = _outputs(
    "eks", "EksClusterName", "EksClusterArn", "EksClusterEndpoint",
    "EksClusterCertificateAuthorityData", "EksClusterSecurityGroupId",
    "EksControlPlaneSecurityGroupId", "EksNodeRoleArn", "EksOidcIssuer", "EksOidcProviderArn",
    "EksSecretsKeyArn",
)
(
    RDS_ENDPOINT, RDS_PORT, RDS_DATABASE_NAME, RDS_MASTER_USER_SECRET_ARN, RDS_RESOURCE_ID,
    RDS_KEY_ARN, RDS_SECURITY_GROUP_ID, DB_CONNECTION_SECRET_ARN, DB_CONNECTION_SECRET_NAME,
) = _outputs(
    "rds", "RdsEndpoint", "RdsPort", "RdsDatabaseName", "RdsMasterUserSecretArn",
    "RdsResourceId", "RdsKeyArn", "RdsSecurityGroupId", "DbConnectionSecretArn",
    "DbConnectionSecretName",
)
CACHE_ENDPOINT, CACHE_PORT, CACHE_REPLICATION_GROUP_ID, CACHE_SECURITY_GROUP_ID = _outputs(
    "cache", "CacheEndpoint", "CachePort", "CacheReplicationGroupId", "CacheSecurityGroupId",
)
(
    MASTER_KEY_SECRET_ARN, MASTER_KEY_SECRET_NAME, SALT_KEY_SECRET_ARN, SALT_KEY_SECRET_NAME,
    REDIS_PASSWORD_SECRET_ARN, REDIS_PASSWORD_SECRET_NAME, LITELLM_SECRETS_KEY_ARN,
) = _outputs(
    "secrets", "LitellmMasterKeySecretArn", "LitellmMasterKeySecretName",
    "LitellmSaltKeySecretArn", "LitellmSaltKeySecretName", "RedisPasswordSecretArn",
    "RedisPasswordSecretName", "LitellmSecretsKeyArn",
)
LITELLM_ROLE_ARN, EXTERNAL_SECRETS_ROLE_ARN = _outputs(
    "iam", "LitellmBedrockRoleArn", "ExternalSecretsRoleArn",
)
BASTION_INSTANCE_ID, BASTION_SSM_CONNECT_COMMAND, BASTION_PORT_FORWARD_COMMAND = _outputs(
    "bastion", "BastionInstanceId", "BastionSsmConnectCommand", "BastionPortForwardCommand",
)
# fmt: on

# Parameters a stack takes from no other stack, always by its default: name -> that stack.
SET_BY_DEFAULT = {"LatestAmiId": "bastion", "AvailabilityZones": "vpc"}


@dataclass(frozen=True)
class Wiring:
    """The declared outputs, and the parameters stacks set by their defaults."""

    wires: tuple[Wire, ...]
    set_by_default: Mapping[str, str]

    def __post_init__(self) -> None:
        names = [wire.name for wire in self.wires]
        if len(set(names)) != len(names):
            raise ValueError(f"an output is declared twice: {sorted(names)}")

    def wire(self, name: str) -> Wire | None:
        """The declaration of the output `name`, if any."""
        return next((wire for wire in self.wires if wire.name == name), None)

    def given_by(self, stack: str) -> list[str]:
        """What `stack` declares to output."""
        return [wire.name for wire in self.wires if wire.producer == stack]


DECLARED = Wiring(tuple(v for v in dict(globals()).values() if isinstance(v, Wire)), SET_BY_DEFAULT)
