"""What CloudFormation calls, per resource type, to create, change and delete it, and what a
platform's templates create (their footprint): the raw material of the Service Catalog launch
role, which compile/launch_scopes.py and launch_access.py scope and launch_role.py assembles.

Actions follow each type's handler permissions in the CloudFormation resource schemas (the
ones cfn-lint ships) and the Service Authorization Reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from troposphere import Sub, Template

SSM_PARAMETER_VALUE = "AWS::SSM::Parameter::Value"
SECRETS_MANAGER_REFERENCE = "{{resolve:secretsmanager}}"


@dataclass(frozen=True)
class TypeActions:
    """One resource type's actions: `create` (creating and harmless changes), `delete`
    (only needed when CloudFormation deletes one, so never for a type it always retains) and
    `guarded` (changes that could harm a resource that is not the platform's)."""

    service: str
    create: tuple[str, ...]
    delete: tuple[str, ...] = ()
    guarded: tuple[str, ...] = ()


# fmt: off
TYPE_ACTIONS: dict[str, TypeActions] = {
    "AWS::CloudFormation::Stack": TypeActions(
        "cloudformation",
        ("CreateStack", "UpdateStack", "DescribeStacks", "DescribeStackEvents",
         "DescribeStackResource", "DescribeStackResources", "ListStackResources", "GetTemplate",
         "SetStackPolicy", "TagResource", "UntagResource"),
        ("DeleteStack",),
    ),
    "AWS::EC2::VPC": TypeActions("ec2", ("CreateVpc", "ModifyVpcAttribute"), ("DeleteVpc",)),
    "AWS::EC2::Subnet": TypeActions(
        "ec2", ("CreateSubnet", "ModifySubnetAttribute"), ("DeleteSubnet",)
    ),
    "AWS::EC2::InternetGateway": TypeActions(
        "ec2", ("CreateInternetGateway",), ("DeleteInternetGateway",)
    ),
    "AWS::EC2::VPCGatewayAttachment": TypeActions(
        "ec2", ("AttachInternetGateway",), ("DetachInternetGateway",)
    ),
    "AWS::EC2::RouteTable": TypeActions("ec2", ("CreateRouteTable",), ("DeleteRouteTable",)),
    "AWS::EC2::Route": TypeActions("ec2", ("CreateRoute", "ReplaceRoute"), ("DeleteRoute",)),
    "AWS::EC2::SubnetRouteTableAssociation": TypeActions(
        "ec2", ("AssociateRouteTable",), ("DisassociateRouteTable",)
    ),
    "AWS::EC2::EIP": TypeActions("ec2", ("AllocateAddress",), ("ReleaseAddress",)),
    "AWS::EC2::NatGateway": TypeActions("ec2", ("CreateNatGateway",), ("DeleteNatGateway",)),
    "AWS::EC2::FlowLog": TypeActions("ec2", ("CreateFlowLogs",), ("DeleteFlowLogs",)),
    # Rule changes stay with the creations: CloudFormation revokes a new group's default
    # egress rule while creating it, and revoking a rule deletes no resource.
    "AWS::EC2::SecurityGroup": TypeActions(
        "ec2",
        ("CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
         "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"),
        ("DeleteSecurityGroup",),
    ),
    "AWS::EC2::SecurityGroupIngress": TypeActions(
        "ec2", ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress")
    ),
    # A new version can run another instance profile: only the platform's own templates.
    "AWS::EC2::LaunchTemplate": TypeActions(
        "ec2",
        ("CreateLaunchTemplate",),
        ("DeleteLaunchTemplate",),
        ("CreateLaunchTemplateVersion", "ModifyLaunchTemplate"),
    ),
    "AWS::EC2::Instance": TypeActions(
        "ec2", ("RunInstances", "ModifyInstanceAttribute"), ("TerminateInstances",)
    ),
    "AWS::EKS::Cluster": TypeActions(
        "eks",
        ("DescribeCluster", "UpdateClusterConfig", "UpdateClusterVersion", "DescribeUpdate",
         "TagResource", "UntagResource"),
        ("DeleteCluster",),
    ),
    "AWS::EKS::Nodegroup": TypeActions(
        "eks",
        ("CreateNodegroup", "DescribeNodegroup", "UpdateNodegroupConfig",
         "UpdateNodegroupVersion", "DescribeUpdate", "TagResource", "UntagResource"),
        ("DeleteNodegroup",),
    ),
    "AWS::EKS::Addon": TypeActions(
        "eks", ("CreateAddon", "DescribeAddon", "UpdateAddon", "TagResource"), ("DeleteAddon",)
    ),
    "AWS::EKS::AccessEntry": TypeActions(
        "eks",
        ("CreateAccessEntry", "DescribeAccessEntry", "UpdateAccessEntry",
         "AssociateAccessPolicy", "DisassociateAccessPolicy", "ListAssociatedAccessPolicies",
         "TagResource"),
        ("DeleteAccessEntry",),
    ),
    "AWS::IAM::Role": TypeActions(
        "iam",
        ("GetRole", "GetRolePolicy"),
        ("DeleteRole",),
        ("UpdateRole", "UpdateRoleDescription", "UpdateAssumeRolePolicy", "PutRolePolicy",
         "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "TagRole", "UntagRole"),
    ),
    "AWS::IAM::InstanceProfile": TypeActions(
        "iam",
        ("CreateInstanceProfile", "GetInstanceProfile", "AddRoleToInstanceProfile"),
        ("DeleteInstanceProfile", "RemoveRoleFromInstanceProfile"),
    ),
    "AWS::IAM::OIDCProvider": TypeActions(
        "iam",
        ("CreateOpenIDConnectProvider", "GetOpenIDConnectProvider"),
        ("DeleteOpenIDConnectProvider",),
        ("AddClientIDToOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint",
         "TagOpenIDConnectProvider", "UntagOpenIDConnectProvider"),
    ),
    "AWS::KMS::Key": TypeActions(
        "kms",
        ("DescribeKey", "EnableKeyRotation", "GetKeyPolicy", "GetKeyRotationStatus",
         "ListResourceTags"),
        ("ScheduleKeyDeletion",),
        # TagResource again here: stack tags reach a key after its creation, without the
        # platform tag in the request.
        ("PutKeyPolicy", "UpdateKeyDescription", "TagResource", "UntagResource"),
    ),
    "AWS::KMS::Alias": TypeActions("kms", ("CreateAlias", "UpdateAlias"), ("DeleteAlias",)),
    # Log delivery (slow and engine logs) and snapshots on delete are part of the group's
    # handlers in its resource schema; the delivery actions take no resource (UNSCOPED).
    "AWS::ElastiCache::ReplicationGroup": TypeActions(
        "elasticache",
        ("CreateReplicationGroup", "DescribeReplicationGroups", "ModifyReplicationGroup",
         "IncreaseReplicaCount", "DecreaseReplicaCount", "DescribeCacheClusters",
         "CreateSnapshot", "AddTagsToResource", "ListTagsForResource"),
        ("DeleteReplicationGroup",),
        ("RemoveTagsFromResource",),
    ),
    "AWS::ElastiCache::SubnetGroup": TypeActions(
        "elasticache",
        ("CreateCacheSubnetGroup", "ModifyCacheSubnetGroup", "DescribeCacheSubnetGroups",
         "AddTagsToResource", "ListTagsForResource"),
        ("DeleteCacheSubnetGroup",),
        ("RemoveTagsFromResource",),
    ),
    "AWS::Logs::LogGroup": TypeActions(
        "logs",
        ("CreateLogGroup", "PutRetentionPolicy", "AssociateKmsKey", "TagResource",
         "TagLogGroup", "ListTagsForResource"),
        ("DeleteLogGroup",),
        ("DeleteRetentionPolicy", "DisassociateKmsKey", "UntagResource"),
    ),
    "AWS::RDS::DBInstance": TypeActions(
        "rds",
        ("CreateDBInstance", "ModifyDBInstance", "DescribeDBInstances", "CreateDBSnapshot",
         "AddTagsToResource", "ListTagsForResource"),
        ("DeleteDBInstance",),
        ("RemoveTagsFromResource",),
    ),
    "AWS::RDS::DBSubnetGroup": TypeActions(
        "rds",
        ("CreateDBSubnetGroup", "ModifyDBSubnetGroup", "DescribeDBSubnetGroups",
         "AddTagsToResource"),
        ("DeleteDBSubnetGroup",),
    ),
    "AWS::RDS::DBParameterGroup": TypeActions(
        "rds",
        ("CreateDBParameterGroup", "ModifyDBParameterGroup", "DescribeDBParameterGroups",
         "DescribeDBParameters", "AddTagsToResource"),
        ("DeleteDBParameterGroup",),
    ),
    # Not a resource: a template parameter CloudFormation resolves from SSM (the bastion's AMI).
    SSM_PARAMETER_VALUE: TypeActions("ssm", ("GetParameters",)),
    # Not a resource: a secret CloudFormation resolves while deploying (the cache's AUTH
    # token), with the caller's permissions (dynamic-references-secretsmanager.html).
    SECRETS_MANAGER_REFERENCE: TypeActions("secretsmanager", ("GetSecretValue",)),
    "AWS::SecretsManager::Secret": TypeActions(
        "secretsmanager",
        ("CreateSecret", "DescribeSecret", "UpdateSecret", "PutSecretValue", "TagResource"),
        ("DeleteSecret",),
        ("UntagResource",),
    ),
}

# Actions that accept no resource scope (reads, and creating a cluster): AWS requires
# `Resource: "*"` for them.
UNSCOPED: dict[str, tuple[str, ...]] = {
    "cloudformation": ("ValidateTemplate", "GetTemplateSummary"),
    "ec2": (
        "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
        "DescribeAddresses", "DescribeNatGateways", "DescribeFlowLogs", "DescribeSecurityGroups",
        "DescribeSecurityGroupRules", "DescribeLaunchTemplates",
        "DescribeLaunchTemplateVersions", "DescribeInstances", "DescribeAvailabilityZones",
        "DescribeAccountAttributes", "DescribeImages", "DescribeTags",
    ),
    "eks": ("DescribeAddonVersions", "CreateCluster"),
    # ElastiCache's log delivery: CloudWatch Logs' vended-log actions take no resource
    # (ElastiCache User Guide, "ElastiCache logging destinations", Logging-destinations.html).
    "logs": (
        "DescribeLogGroups", "CreateLogDelivery", "GetLogDelivery", "UpdateLogDelivery",
        "DeleteLogDelivery", "ListLogDeliveries", "PutResourcePolicy", "DescribeResourcePolicies",
    ),
    "secretsmanager": ("GetRandomPassword",),
}
# fmt: on

# The service each resource type hands a platform role to: the value of iam:PassedToService
# when CloudFormation passes the role (IAM User Guide, "Grant a user permissions to pass a role
# to an AWS service", id_roles_use_passrole.html; "IAM condition context keys":
# iam:PassedToService). RDS takes the enhanced-monitoring role; which of its two principals
# the request names is not documented, so both are listed.
PASSED_TO: dict[str, tuple[str, ...]] = {
    "AWS::EKS::Cluster": ("eks.amazonaws.com",),
    "AWS::EKS::Nodegroup": ("eks.amazonaws.com",),
    "AWS::EKS::Addon": ("eks.amazonaws.com",),
    "AWS::EC2::Instance": ("ec2.amazonaws.com",),
    "AWS::IAM::InstanceProfile": ("ec2.amazonaws.com",),
    "AWS::EC2::FlowLog": ("vpc-flow-logs.amazonaws.com",),
    "AWS::RDS::DBInstance": ("monitoring.rds.amazonaws.com", "rds.amazonaws.com"),
}
# Services that create their service-linked role on first use (iam:AWSServiceName).
SERVICE_LINKED: dict[str, tuple[str, ...]] = {
    "AWS::EKS::Cluster": ("eks.amazonaws.com",),
    "AWS::EKS::Nodegroup": ("eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"),
    "AWS::RDS::DBInstance": ("rds.amazonaws.com",),
    "AWS::ElastiCache::ReplicationGroup": ("elasticache.amazonaws.com",),
}


# Properties that name a resource: the launch role is scoped to exactly these names.
NAME_PROPERTY = {
    "AWS::EKS::Cluster": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


@dataclass(frozen=True)
class Footprint:
    """What the platform's templates create, as far as the launch role must know it."""

    resource_types: frozenset[str]
    deleted_types: frozenset[str]  # types with at least one resource not retained on delete
    names: dict[str, tuple[str, ...]]  # resource type -> the names the templates give

    def named(self, resource_type: str) -> tuple[str, ...]:
        """The names the templates give resources of `resource_type`."""
        return self.names.get(resource_type, ())


def footprint(templates: Iterable[Template]) -> Footprint:
    """The resource types, deletions and names in troposphere templates (an SSM-resolved
    parameter and a Secrets Manager dynamic reference count as types)."""
    types: set[str] = set()
    deleted: set[str] = set()
    names: dict[str, list[str]] = {}
    for template in templates:
        for resource in template.resources.values():
            kind = resource.resource_type
            types.add(kind)
            if resource.resource.get("DeletionPolicy") != "Retain":
                deleted.add(kind)
            name = resource.properties.get(NAME_PROPERTY.get(kind, ""))
            if isinstance(name, Sub):
                name = name.data["Fn::Sub"]
            if isinstance(name, str):
                names.setdefault(kind, []).append(name)
        if any(
            str(p.properties.get("Type", "")).startswith(SSM_PARAMETER_VALUE)
            for p in template.parameters.values()
        ):
            types.add(SSM_PARAMETER_VALUE)
            deleted.add(SSM_PARAMETER_VALUE)
        if "{{resolve:secretsmanager:" in template.to_json(indent=None):
            types.add(SECRETS_MANAGER_REFERENCE)
            deleted.add(SECRETS_MANAGER_REFERENCE)
    return Footprint(
        frozenset(types), frozenset(deleted), {k: tuple(sorted(set(v))) for k, v in names.items()}
    )
