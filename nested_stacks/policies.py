"""awacs helpers shared by every stack: ARNs through Fn::Sub, trust documents, IAM roles,
EKS access entries.

Every IAM document in the project is built here or from these pieces with awacs, never as a
hand-written dict, so least privilege can be reviewed in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    ConditionElement,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from awacs.sts import AssumeRole, AssumeRoleWithWebIdentity
from troposphere import AccountId, AWSHelperFn, Sub, eks, iam

from litellm_cfn.spec import PlatformSpec

IRSA_AUDIENCE = "sts.amazonaws.com"


def regional_arn(service: str, resource: str) -> Sub:
    """`arn:<partition>:<service>:<region>:<account>:<resource>` for this stack's region."""
    return Sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def account_root() -> Sub:
    """The account's root principal: a key policy naming it lets IAM policies grant key use."""
    return Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")


def aws_managed_policy(name: str) -> Sub:
    """The ARN of an AWS-managed policy, e.g. `AmazonEKSClusterPolicy` or `service-role/...`."""
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")


def service_trust(
    service: str, source_arn: AWSHelperFn | None = None, *, pinned_to_account: bool = True
) -> PolicyDocument:
    """Trust for an AWS service, pinned to this account (and source ARN): no confused deputy.

    `pinned_to_account=False` is only for services that do not send `aws:SourceAccount`
    when they assume the role (EC2 for instance roles), where the condition would lock it out.
    """
    conditions: list[ConditionElement] = []
    if pinned_to_account:
        conditions.append(StringEquals("aws:SourceAccount", AccountId))
    if source_arn is not None:
        conditions.append(ArnLike("aws:SourceArn", source_arn))
    statement = Statement(
        Effect=Allow, Principal=Principal("Service", service), Action=[AssumeRole]
    )
    if conditions:
        statement.Condition = Condition(conditions)
    return PolicyDocument(Version="2012-10-17", Statement=[statement])


def irsa_trust(provider_arn: AWSHelperFn, issuer: AWSHelperFn, service_account: str) -> Sub:
    """Trust for one Kubernetes service account (`namespace/name`) through the cluster's OIDC
    provider, for audience sts.amazonaws.com only.

    The condition keys contain the issuer (`<issuer>:sub`) and CloudFormation cannot compute a
    map key, so the awacs document is rendered to JSON and wrapped in Fn::Sub, which fills in
    the issuer and provider ARN; IAM accepts a policy document as a JSON string.
    """
    namespace, name = service_account.split("/")
    document = PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Federated", "${OidcProviderArn}"),
                Action=[AssumeRoleWithWebIdentity],
                Condition=Condition(
                    StringEquals(
                        {
                            "${OidcIssuer}:sub": f"system:serviceaccount:{namespace}:{name}",
                            "${OidcIssuer}:aud": IRSA_AUDIENCE,
                        }
                    )
                ),
            )
        ],
    )
    text = document.to_json(indent=2, sort_keys=False)
    return Sub(text, OidcProviderArn=provider_arn, OidcIssuer=issuer)


def role(
    spec: PlatformSpec,
    logical_id: str,
    purpose: str,
    trust: PolicyDocument | Sub,
    policies: Sequence[tuple[str, PolicyDocument]] = (),
    managed_policy_arns: Sequence[AWSHelperFn] = (),
) -> iam.Role:
    """An IAM role for the platform; every role the project creates is made here, so the
    spec's role path and permissions boundary reach all of them."""
    props: dict[str, object] = {
        "AssumeRolePolicyDocument": trust,
        "Description": f"{spec.stack_name}: {purpose}",
    }
    props |= role_path(spec)
    if spec.iam.permissions_boundary_arn is not None:
        props["PermissionsBoundary"] = spec.iam.permissions_boundary_arn
    if policies:
        props["Policies"] = [
            iam.Policy(PolicyName=name, PolicyDocument=document) for name, document in policies
        ]
    if managed_policy_arns:
        props["ManagedPolicyArns"] = list(managed_policy_arns)
    return iam.Role(logical_id, **props)


def role_path(spec: PlatformSpec) -> dict[str, str]:
    """`{"Path": ...}` for roles and instance profiles when the spec sets `iam.role_path`."""
    return {"Path": spec.iam.role_path} if spec.iam.role_path != "/" else {}


def cluster_access_entry(
    logical_id: str, cluster_name: AWSHelperFn, principal_arn: object, access_policy: str
) -> eks.AccessEntry:
    """An EKS access entry giving `principal_arn` the AWS access policy `access_policy`
    (e.g. `AmazonEKSClusterAdminPolicy`) over the whole cluster."""
    return eks.AccessEntry(
        logical_id,
        ClusterName=cluster_name,
        PrincipalArn=principal_arn,
        Type="STANDARD",
        AccessPolicies=[
            eks.AccessPolicy(
                PolicyArn=Sub(
                    f"arn:${{AWS::Partition}}:eks::aws:cluster-access-policy/{access_policy}"
                ),
                AccessScope=eks.AccessScope(Type="cluster"),
            )
        ],
    )
