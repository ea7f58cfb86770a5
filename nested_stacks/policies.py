"""awacs helpers shared by every stack: ARNs through Fn::Sub, service trust, IAM roles.

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
from awacs.sts import AssumeRole
from troposphere import AccountId, AWSHelperFn, Sub, iam

from litellm_cfn.spec import PlatformSpec


def regional_arn(service: str, resource: str) -> Sub:
    """`arn:<partition>:<service>:<region>:<account>:<resource>` for this stack's region."""
    return Sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def account_root() -> Sub:
    """The account's root principal: a key policy naming it lets IAM policies grant key use."""
    return Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")


def service_trust(service: str, source_arn: AWSHelperFn | None = None) -> PolicyDocument:
    """Trust for an AWS service, pinned to this account (and source ARN): no confused deputy."""
    conditions: list[ConditionElement] = [StringEquals("aws:SourceAccount", AccountId)]
    if source_arn is not None:
        conditions.append(ArnLike("aws:SourceArn", source_arn))
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[AssumeRole],
                Condition=Condition(conditions),
            )
        ],
    )


def role(
    spec: PlatformSpec,
    logical_id: str,
    purpose: str,
    trust: PolicyDocument,
    policies: Sequence[tuple[str, PolicyDocument]] = (),
    managed_policy_arns: Sequence[AWSHelperFn] = (),
) -> iam.Role:
    """An IAM role for the platform; every role the project creates is made here."""
    props: dict[str, object] = {
        "AssumeRolePolicyDocument": trust,
        "Description": f"{spec.stack_name}: {purpose}",
    }
    if policies:
        props["Policies"] = [
            iam.Policy(PolicyName=name, PolicyDocument=document) for name, document in policies
        ]
    if managed_policy_arns:
        props["ManagedPolicyArns"] = list(managed_policy_arns)
    return iam.Role(logical_id, **props)
