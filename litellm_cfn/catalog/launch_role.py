"""The launch role's policy, derived from the resource types the platform's templates contain.

Service Catalog launches the product with this role, so it must be able to create, update
and delete exactly what the templates hold, and nothing else: each resource type maps to
the actions CloudFormation needs for it, and each service's actions are scoped to this
account and region (and, for IAM, to the spec's role path; for secrets, to the platform's
names). A few read actions accept no resource scope at all; those are listed apart, with
`Resource: "*"` as AWS requires.
"""

from __future__ import annotations

from collections.abc import Iterable

from awacs.aws import Action, Allow, ArnEquals, Condition, PolicyDocument, Statement
from troposphere import Sub, Template

SSM_PARAMETER_VALUE = "AWS::SSM::Parameter::Value"
# Resource type -> (service prefix, actions CloudFormation takes to create, change, delete it).
TYPE_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "AWS::CloudFormation::Stack": (
        "cloudformation",
        ("CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "DescribeStackEvents",
         "DescribeStackResource", "DescribeStackResources", "ListStackResources", "GetTemplate",
         "SetStackPolicy", "TagResource", "UntagResource"),
    ),
    "AWS::EC2::VPC": ("ec2", ("CreateVpc", "DeleteVpc", "ModifyVpcAttribute")),
    "AWS::EC2::Subnet": ("ec2", ("CreateSubnet", "DeleteSubnet", "ModifySubnetAttribute")),
    "AWS::EC2::InternetGateway": ("ec2", ("CreateInternetGateway", "DeleteInternetGateway")),
    "AWS::EC2::VPCGatewayAttachment": (
        "ec2", ("AttachInternetGateway", "DetachInternetGateway")
    ),
    "AWS::EC2::RouteTable": ("ec2", ("CreateRouteTable", "DeleteRouteTable")),
    "AWS::EC2::Route": ("ec2", ("CreateRoute", "DeleteRoute", "ReplaceRoute")),
    "AWS::EC2::SubnetRouteTableAssociation": (
        "ec2", ("AssociateRouteTable", "DisassociateRouteTable")
    ),
    "AWS::EC2::EIP": ("ec2", ("AllocateAddress", "ReleaseAddress")),
    "AWS::EC2::NatGateway": ("ec2", ("CreateNatGateway", "DeleteNatGateway")),
    "AWS::EC2::FlowLog": ("ec2", ("CreateFlowLogs", "DeleteFlowLogs")),
    "AWS::EC2::SecurityGroup": (
        "ec2",
        ("CreateSecurityGroup", "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress",
         "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
         "RevokeSecurityGroupEgress"),
    ),
    "AWS::EC2::LaunchTemplate": (
        "ec2",
        ("CreateLaunchTemplate", "CreateLaunchTemplateVersion", "DeleteLaunchTemplate",
         "ModifyLaunchTemplate"),
    ),
    "AWS::EC2::Instance": (
        "ec2", ("RunInstances", "TerminateInstances", "ModifyInstanceAttribute")
    ),
    "AWS::EKS::Cluster": (
        "eks",
        ("DeleteCluster", "DescribeCluster", "UpdateClusterConfig",
         "UpdateClusterVersion", "DescribeUpdate", "TagResource", "UntagResource"),
    ),
    "AWS::EKS::Nodegroup": (
        "eks",
        ("CreateNodegroup", "DeleteNodegroup", "DescribeNodegroup", "UpdateNodegroupConfig",
         "UpdateNodegroupVersion", "DescribeUpdate", "TagResource", "UntagResource"),
    ),
    "AWS::EKS::Addon": (
        "eks", ("CreateAddon", "DeleteAddon", "DescribeAddon", "UpdateAddon", "TagResource")
    ),
    "AWS::EKS::AccessEntry": (
        "eks",
        ("CreateAccessEntry", "DeleteAccessEntry", "DescribeAccessEntry", "UpdateAccessEntry",
         "AssociateAccessPolicy", "DisassociateAccessPolicy", "ListAssociatedAccessPolicies",
         "TagResource"),
    ),
    "AWS::IAM::Role": (
        "iam",
        ("CreateRole", "DeleteRole", "GetRole", "UpdateRole", "UpdateRoleDescription",
         "PutRolePolicy", "DeleteRolePolicy", "GetRolePolicy", "AttachRolePolicy",
         "DetachRolePolicy", "TagRole", "UntagRole", "PutRolePermissionsBoundary", "PassRole"),
    ),
    "AWS::IAM::InstanceProfile": (
        "iam",
        ("CreateInstanceProfile", "DeleteInstanceProfile", "GetInstanceProfile",
         "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile"),
    ),
    "AWS::IAM::OIDCProvider": (
        "iam",
        ("CreateOpenIDConnectProvider", "DeleteOpenIDConnectProvider",
         "GetOpenIDConnectProvider", "TagOpenIDConnectProvider",
         "AddClientIDToOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint"),
    ),
    "AWS::KMS::Key": (
        "kms",
        ("DescribeKey", "EnableKeyRotation", "GetKeyPolicy", "GetKeyRotationStatus",
         "PutKeyPolicy", "ScheduleKeyDeletion", "TagResource", "UntagResource",
         "ListResourceTags", "UpdateKeyDescription", "CreateGrant"),
    ),
    "AWS::KMS::Alias": ("kms", ("CreateAlias", "DeleteAlias", "UpdateAlias")),
    "AWS::Logs::LogGroup": (
        "logs",
        ("CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy",
         "AssociateKmsKey", "DisassociateKmsKey", "TagResource", "UntagResource",
         "TagLogGroup"),
    ),
    "AWS::RDS::DBInstance": (
        "rds",
        ("CreateDBInstance", "DeleteDBInstance", "ModifyDBInstance", "DescribeDBInstances",
         "CreateDBSnapshot", "AddTagsToResource", "RemoveTagsFromResource",
         "ListTagsForResource"),
    ),
    "AWS::RDS::DBSubnetGroup": (
        "rds",
        ("CreateDBSubnetGroup", "DeleteDBSubnetGroup", "ModifyDBSubnetGroup",
         "DescribeDBSubnetGroups", "AddTagsToResource"),
    ),
    "AWS::RDS::DBParameterGroup": (
        "rds",
        ("CreateDBParameterGroup", "DeleteDBParameterGroup", "ModifyDBParameterGroup",
         "DescribeDBParameterGroups", "DescribeDBParameters", "AddTagsToResource"),
    ),
    # Not a resource: a template parameter CloudFormation resolves from SSM (the bastion's AMI).
    SSM_PARAMETER_VALUE: ("ssm", ("GetParameters",)),
    "AWS::SecretsManager::Secret": (
        "secretsmanager",
        ("CreateSecret", "DeleteSecret", "DescribeSecret", "UpdateSecret", "PutSecretValue",
         "TagResource", "UntagResource"),
    ),
}  # fmt: skip

# Actions a service needs whenever any of its types is present.
SERVICE_EXTRAS: dict[str, tuple[str, ...]] = {
    "ec2": ("CreateTags", "DeleteTags"),
    # EKS, RDS and Auto Scaling create their service-linked roles on first use.
    "iam": ("CreateServiceLinkedRole",),
}

# Actions that accept no resource scope (reads, and two creations): AWS requires
# `Resource: "*"` for them.
UNSCOPED: dict[str, tuple[str, ...]] = {
    "cloudformation": ("ValidateTemplate", "GetTemplateSummary"),
    "ec2": (
        "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
        "DescribeAddresses", "DescribeNatGateways", "DescribeFlowLogs", "DescribeSecurityGroups",
        "DescribeLaunchTemplates", "DescribeLaunchTemplateVersions", "DescribeInstances",
        "DescribeAvailabilityZones", "DescribeAccountAttributes", "DescribeImages",
    ),
    "eks": ("DescribeAddonVersions", "CreateCluster"),
    "kms": ("CreateKey",),
    "logs": ("DescribeLogGroups",),
    "secretsmanager": ("GetRandomPassword",),
}  # fmt: skip


def resource_scope(service: str, role_path: str, secret_prefix: str) -> list[Sub]:
    """The narrowest ARNs a service's actions can be limited to for this platform."""
    here = "${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}"
    scopes = {
        "cloudformation": [f"arn:{here}:stack/SC-*"],
        "ec2": [f"arn:{here}:*", "arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"],
        "eks": [f"arn:{here}:*"],
        "iam": [
            f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{role_path}*",
            f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:instance-profile{role_path}*",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/*",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*",
        ],
        "kms": [f"arn:{here}:key/*", f"arn:{here}:alias/*"],
        "logs": [f"arn:{here}:log-group:*"],
        "rds": [f"arn:{here}:*"],
        "secretsmanager": [f"arn:{here}:secret:{secret_prefix}*"],
        # AWS's public parameters (the bastion's AMI); only AWS writes under /aws/service/.
        "ssm": ["arn:${AWS::Partition}:ssm:${AWS::Region}:*:parameter/aws/service/*"],
    }
    return [Sub(arn) for arn in scopes[service]]


def launch_policy(
    resource_types: Iterable[str],
    templates_arn: Sub,
    role_path: str,
    secret_prefix: str,
    permissions_boundary: str | None,
) -> PolicyDocument:
    """The launch role's permissions for `resource_types`, and reading the templates."""
    by_service: dict[str, set[str]] = {}
    for resource_type in sorted(set(resource_types)):
        service, type_actions = TYPE_ACTIONS[resource_type]
        by_service.setdefault(service, set()).update(type_actions, SERVICE_EXTRAS.get(service, ()))
    statements = [
        Statement(
            Sid="ReadThePackagedTemplates",
            Effect=Allow,
            Action=[Action("s3", "GetObject")],
            Resource=[templates_arn],
        )
    ]
    for service, actions in sorted(by_service.items()):
        creates_roles = service == "iam" and permissions_boundary is not None
        scoped = sorted(
            actions - ({"CreateRole", "PutRolePermissionsBoundary"} if creates_roles else set())
        )
        statements.append(
            Statement(
                Sid=f"Manage{service.capitalize()}ResourcesOfThePlatform",
                Effect=Allow,
                Action=[Action(service, a) for a in scoped],
                Resource=resource_scope(service, role_path, secret_prefix),
            )
        )
        if creates_roles:
            # Roles may only be created with the organisation's permissions boundary.
            statements.append(
                Statement(
                    Sid="CreateRolesOnlyWithTheBoundary",
                    Effect=Allow,
                    Action=[
                        Action("iam", "CreateRole"),
                        Action("iam", "PutRolePermissionsBoundary"),
                    ],
                    Resource=resource_scope(service, role_path, secret_prefix)[:1],
                    Condition=Condition(ArnEquals("iam:PermissionsBoundary", permissions_boundary)),
                )
            )
    reads = sorted(
        (service, action) for service in by_service for action in UNSCOPED.get(service, ())
    )
    if reads:
        statements.append(
            Statement(
                Sid="ActionsThatTakeNoResourceScope",
                Effect=Allow,
                Action=[Action(service, action) for service, action in reads],
                Resource=["*"],
            )
        )
    return PolicyDocument(Version="2012-10-17", Statement=statements)


def resource_types(templates: Iterable[Template]) -> set[str]:
    """The resource types in troposphere templates, and SSM-resolved parameters as a type."""
    found: set[str] = set()
    for template in templates:
        found |= {r.resource_type for r in template.resources.values()}
        parameters = template.parameters.values()
        if any(
            str(p.properties.get("Type", "")).startswith(SSM_PARAMETER_VALUE) for p in parameters
        ):
            found.add(SSM_PARAMETER_VALUE)
    return found
