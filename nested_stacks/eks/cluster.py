"""The EKS cluster itself: role, secrets key, control-plane logs, access entries, OIDC provider."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from awacs import kms as kms_actions
from awacs.aws import Allow, Principal, Statement
from troposphere import (
    AWSHelperFn,
    GetAtt,
    Output,
    Ref,
    Select,
    Split,
    Tags,
    Template,
    ec2,
    eks,
    iam,
    kms,
)

from litellm_cfn.spec import PlatformSpec
from litellm_cfn.spec.eks import CONTROL_PLANE_LOG_TYPES
from nested_stacks.base import no_egress, resource_name
from nested_stacks.encryption import THIS_KEY, customer_managed_key
from nested_stacks.logs import encrypted_log_group
from nested_stacks.policies import (
    IRSA_AUDIENCE,
    aws_managed_policy,
    cluster_access_entry,
    regional_arn,
    role,
    service_trust,
)
from nested_stacks.wiring import (
    EKS_CLUSTER_ARN,
    EKS_CLUSTER_CA_DATA,
    EKS_CLUSTER_ENDPOINT,
    EKS_CLUSTER_NAME,
    EKS_CLUSTER_SECURITY_GROUP_ID,
    EKS_CONTROL_PLANE_SECURITY_GROUP_ID,
    EKS_OIDC_ISSUER,
    EKS_OIDC_PROVIDER_ARN,
    EKS_SECRETS_KEY_ARN,
)

CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
KUBERNETES_API_PORT = 443


@dataclass(frozen=True)
class Cluster:
    """What the node groups and add-ons need to know about the cluster."""

    resource: eks.Cluster
    oidc_provider_arn: AWSHelperFn
    oidc_issuer: AWSHelperFn


def add_cluster(
    template: Template, spec: PlatformSpec, vpc_id: AWSHelperFn, subnets: AWSHelperFn
) -> Cluster:
    """Add the cluster and everything it needs before nodes can join."""
    name = spec.cluster_name
    cluster_role = template.add_resource(
        role(
            spec,
            "ClusterRole",
            "lets EKS manage the cluster's AWS resources",
            service_trust("eks.amazonaws.com", regional_arn("eks", f"cluster/{name}")),
            managed_policy_arns=[aws_managed_policy("AmazonEKSClusterPolicy")],
        )
    )
    secrets_key = _secrets_key(template, spec, cluster_role)
    log_group = encrypted_log_group(
        template,
        spec,
        "ControlPlaneLogGroup",
        alias="eks-control-plane-logs",
        # The name EKS writes to; created here first so retention and encryption are ours.
        name=f"/aws/eks/{name}/cluster",
        retention_days=spec.eks.log_retention_days,
        purpose="EKS control-plane logs",
    )
    api_access = template.add_resource(_api_access_security_group(spec, vpc_id))
    cluster = template.add_resource(
        eks.Cluster(
            "Cluster",
            DependsOn=[log_group.title],
            Name=name,
            Version=spec.eks.cluster_version,
            # What happens at the end of standard support: STANDARD upgrades the control
            # plane, EXTENDED keeps the version for up to 12 more months at extra cost
            # (EKS User Guide, "Manage EKS extended support", extended-support-control.html).
            UpgradePolicy=eks.UpgradePolicy(SupportType=spec.eks.support_type),
            RoleArn=GetAtt(cluster_role, "Arn"),
            ResourcesVpcConfig=eks.ResourcesVpcConfig(
                SubnetIds=subnets,
                SecurityGroupIds=[Ref(api_access)],
                EndpointPrivateAccess=True,
                EndpointPublicAccess=spec.eks.endpoint_public_access,
                **(
                    {"PublicAccessCidrs": list(spec.eks.public_access_cidrs)}
                    if spec.eks.endpoint_public_access
                    else {}
                ),
            ),
            EncryptionConfig=[
                eks.EncryptionConfig(
                    Provider=eks.Provider(KeyArn=GetAtt(secrets_key, "Arn")),
                    Resources=["secrets"],
                )
            ],
            Logging=eks.Logging(
                ClusterLogging=eks.ClusterLogging(
                    EnabledTypes=[eks.LoggingTypeConfig(Type=t) for t in CONTROL_PLANE_LOG_TYPES]
                )
            ),
            AccessConfig=eks.AccessConfig(
                AuthenticationMode=spec.eks.authentication_mode,
                BootstrapClusterCreatorAdminPermissions=spec.eks.cluster_creator_admin,
            ),
            # The add-ons below are EKS-managed; the self-managed copies EKS would otherwise
            # install first would only be taken over by them.
            BootstrapSelfManagedAddons=False,
            DeletionProtection=spec.protects(spec.eks.deletion_protection),
        )
    )
    _admin_access_entries(template, spec, cluster)
    provider = template.add_resource(
        iam.OIDCProvider(
            "OidcProvider",
            Url=GetAtt(cluster, "OpenIdConnectIssuerUrl"),
            ClientIdList=[IRSA_AUDIENCE],
        )
    )
    issuer = Select(1, Split("https://", GetAtt(cluster, "OpenIdConnectIssuerUrl")))
    _outputs(template, cluster, api_access, provider, issuer, secrets_key)
    return Cluster(cluster, Ref(provider), issuer)


def _api_access_security_group(spec: PlatformSpec, vpc_id: AWSHelperFn) -> ec2.SecurityGroup:
    """Who may reach the private API endpoint besides the nodes: the admin networks here, the
    bastion through its own ingress rule in the bastion stack.

    An additional control-plane group, not the cluster security group EKS makes: EKS puts
    this one on the control plane's network interfaces only, never on nodes, and it can be
    changed on a running cluster ("Cluster endpoint access": allow ingress on 443 from a
    bastion or connected network; "View Amazon EKS security group requirements").
    """
    return ec2.SecurityGroup(
        "ControlPlaneSecurityGroup",
        GroupDescription=f"{spec.stack_name}: Kubernetes API (443) from admin networks",
        VpcId=vpc_id,
        SecurityGroupIngress=[
            ec2.SecurityGroupRule(
                IpProtocol="tcp",
                FromPort=KUBERNETES_API_PORT,
                ToPort=KUBERNETES_API_PORT,
                CidrIp=cidr,
                Description=f"Kubernetes API from admin network {cidr}",
            )
            for cidr in spec.eks.private_access_cidrs
        ],
        # The cluster security group already lets the control plane reach the nodes.
        SecurityGroupEgress=no_egress(
            "No egress through this group: the cluster security group has it"
        ),
        Tags=Tags(Name=resource_name(spec, "kubernetes-api")),
    )


def _secrets_key(template: Template, spec: PlatformSpec, cluster_role: iam.Role) -> kms.Key:
    cluster_uses_key = Statement(
        Sid="ClusterRoleEnvelopeEncryptsSecrets",
        Effect=Allow,
        Principal=Principal("AWS", GetAtt(cluster_role, "Arn")),
        Action=[
            kms_actions.Encrypt,
            kms_actions.Decrypt,
            kms_actions.DescribeKey,
            kms_actions.ListGrants,
        ],
        Resource=[THIS_KEY],
    )
    return customer_managed_key(
        template,
        spec,
        "SecretsKey",
        alias="eks-secrets",
        purpose="EKS Kubernetes secrets envelope encryption",
        users=[cluster_uses_key],
    )


def _admin_access_entries(template: Template, spec: PlatformSpec, cluster: eks.Cluster) -> None:
    for principal_arn in spec.eks.admin_principal_arns:
        # Named by the ARN's hash, so adding or reordering admins never replaces another entry.
        digest = hashlib.sha256(principal_arn.encode()).hexdigest()[:8].upper()
        template.add_resource(
            cluster_access_entry(
                f"AdminAccessEntry{digest}", Ref(cluster), principal_arn, CLUSTER_ADMIN_POLICY
            )
        )


def _outputs(
    template: Template,
    cluster: eks.Cluster,
    api_access: ec2.SecurityGroup,
    provider: iam.OIDCProvider,
    issuer: AWSHelperFn,
    secrets_key: kms.Key,
) -> None:
    for name, description, value in (
        (EKS_CLUSTER_NAME.name, "EKS cluster name", Ref(cluster)),
        (EKS_CLUSTER_ARN.name, "EKS cluster ARN", GetAtt(cluster, "Arn")),
        (EKS_CLUSTER_ENDPOINT.name, "Kubernetes API endpoint", GetAtt(cluster, "Endpoint")),
        (
            EKS_CLUSTER_CA_DATA.name,
            "Base64 certificate authority data of the API endpoint",
            GetAtt(cluster, "CertificateAuthorityData"),
        ),
        (
            EKS_CLUSTER_SECURITY_GROUP_ID.name,
            "Security group EKS made for the control plane and managed nodes",
            GetAtt(cluster, "ClusterSecurityGroupId"),
        ),
        (
            EKS_CONTROL_PLANE_SECURITY_GROUP_ID.name,
            "Security group admitting admin networks and the bastion to the API on 443",
            Ref(api_access),
        ),
        (EKS_OIDC_PROVIDER_ARN.name, "IAM OIDC provider ARN for IRSA", Ref(provider)),
        (EKS_OIDC_ISSUER.name, "OIDC issuer without https://, as IRSA conditions use it", issuer),
        (
            EKS_SECRETS_KEY_ARN.name,
            "KMS key encrypting Kubernetes secrets",
            GetAtt(secrets_key, "Arn"),
        ),
    ):
        template.add_output(Output(name, Description=description, Value=value))
