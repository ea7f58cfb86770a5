"""The bootstrap stack: one artifacts bucket per account and region, like `cdk bootstrap`.

Encrypted, versioned, never public, TLS only, old versions expiring. Templates hold no
secrets, so the bucket uses S3-managed keys: the Service Catalog issue shares templates with
other accounts, whose CloudFormation could not read objects under a customer key without
grants in this account's key policy.
"""

from __future__ import annotations

from typing import Any

from awacs import s3 as s3_actions
from awacs.aws import (
    Allow,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Output, Ref, Sub, Template, s3

from litellm_cfn.deploy.aws import does_not_exist

BOOTSTRAP_STACK = "litellm-cfn-bootstrap"
NONCURRENT_DAYS = 30


def bootstrap_template(
    trusted_accounts: tuple[str, ...] = (), organization: str | None = None
) -> Template:
    """The bootstrap stack's template; `trusted_accounts` and every account of
    `organization` may read the packaged templates (for Service Catalog shares)."""
    template = Template(
        Description="litellm-cfn bootstrap: the bucket deploys upload nested templates to"
    )
    template.set_version()
    bucket = template.add_resource(_bucket())
    template.add_resource(
        s3.BucketPolicy(
            "ArtifactBucketPolicy",
            Bucket=Ref(bucket),
            PolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Sid="TlsOnly",
                        Effect=Deny,
                        Principal=Principal("*"),
                        Action=[s3_actions.Action("*")],
                        Resource=[GetAtt(bucket, "Arn"), Sub("${ArtifactBucket.Arn}/*")],
                        Condition=Condition(Bool("aws:SecureTransport", "false")),
                    ),
                    *_readers(trusted_accounts, organization),
                ],
            ),
        )
    )
    template.add_output(
        Output(
            "ArtifactBucketName", Description="Where deploys upload templates", Value=Ref(bucket)
        )
    )
    return template


def _bucket() -> s3.Bucket:
    """Versioned, encrypted, private, owner-enforced; replaced versions expire."""
    return s3.Bucket(
        "ArtifactBucket",
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        BucketEncryption=s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                        SSEAlgorithm="AES256"
                    ),
                    BucketKeyEnabled=True,
                )
            ]
        ),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        LifecycleConfiguration=s3.LifecycleConfiguration(
            Rules=[
                s3.LifecycleRule(
                    Id="ExpireReplacedTemplates",
                    Status="Enabled",
                    NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                        NoncurrentDays=NONCURRENT_DAYS
                    ),
                    AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=1
                    ),
                )
            ]
        ),
    )


def artifact_bucket(cloudformation: Any) -> str | None:
    """The bootstrap stack's bucket name, or None before `litellm-cfn bootstrap` ran (any
    other failure, such as access denied, is raised)."""
    from botocore.exceptions import ClientError

    try:
        resource = cloudformation.describe_stack_resource(
            StackName=BOOTSTRAP_STACK, LogicalResourceId="ArtifactBucket"
        )["StackResourceDetail"]
    except ClientError as error:
        if does_not_exist(error):  # the stack, or the bucket in it
            return None
        raise
    physical = resource.get("PhysicalResourceId")
    return str(physical) if physical else None


def _readers(accounts: tuple[str, ...], organization: str | None) -> list[Statement]:
    """Read access to the templates for the accounts a Service Catalog portfolio is shared
    with, so their CloudFormation can fetch what launching the product needs."""
    objects = [Sub("${ArtifactBucket.Arn}/*")]
    statements = []
    if accounts:
        statements.append(
            Statement(
                Sid="SharedAccountsReadTemplates",
                Effect=Allow,
                Principal=Principal(
                    "AWS", [Sub(f"arn:${{AWS::Partition}}:iam::{a}:root") for a in sorted(accounts)]
                ),
                Action=[s3_actions.GetObject],
                Resource=objects,
            )
        )
    if organization:
        statements.append(
            Statement(
                Sid="OrganizationReadsTemplates",
                Effect=Allow,
                Principal=Principal("*"),
                Action=[s3_actions.GetObject],
                Resource=objects,
                Condition=Condition(StringEquals("aws:PrincipalOrgID", organization)),
            )
        )
    return statements
