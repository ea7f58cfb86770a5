"""IAM stack: the seed's `iam` module, the IRSA roles the Kubernetes side runs as.

LiteLLM's role may invoke exactly the spec's Bedrock models and sign in to the database as
exactly its own user through IAM database authentication (`rds-db:connect` on
`dbuser:<DbiResourceId>/<rds.app_username>`, RDS User Guide, "Creating and using an IAM
policy for IAM database access", UsingWithRDS.IAMDBAuth.IAMPolicy.html); the External
Secrets role may read exactly the platform's secrets and decrypt them only through Secrets
Manager. Both are trusted by one service account each, through the cluster's OIDC provider.
Takes the EKS, RDS and secrets stacks' outputs.
"""

from __future__ import annotations

from awacs import aws_marketplace as marketplace
from awacs import bedrock, kms, rds_db, secretsmanager
from awacs.aws import Allow, Condition, PolicyDocument, Statement, StringEquals
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template

from litellm_cfn.spec import PlatformSpec
from nested_stacks.base import new_template
from nested_stacks.policies import irsa_trust, role
from nested_stacks.wiring import (
    DB_CONNECTION_SECRET_ARN,
    EKS_OIDC_ISSUER,
    EKS_OIDC_PROVIDER_ARN,
    EXTERNAL_SECRETS_ROLE_ARN,
    LITELLM_ROLE_ARN,
    LITELLM_SECRETS_KEY_ARN,
    MASTER_KEY_SECRET_ARN,
    RDS_KEY_ARN,
    RDS_MASTER_USER_SECRET_ARN,
    RDS_RESOURCE_ID,
    REDIS_PASSWORD_SECRET_ARN,
    SALT_KEY_SECRET_ARN,
)

NAME = "iam"

# What the External Secrets Operator reads, by the output names of the stacks that make them.
SECRET_ARNS = (
    MASTER_KEY_SECRET_ARN.name,
    SALT_KEY_SECRET_ARN.name,
    REDIS_PASSWORD_SECRET_ARN.name,
    DB_CONNECTION_SECRET_ARN.name,
    RDS_MASTER_USER_SECRET_ARN.name,
)
SECRET_KEY_ARNS = (LITELLM_SECRETS_KEY_ARN.name, RDS_KEY_ARN.name)


def enabled(spec: PlatformSpec) -> bool:
    """The IRSA roles are always built: LiteLLM and External Secrets run as them."""
    return True


def build(spec: PlatformSpec) -> Template:
    """The IAM stack's template."""
    template = new_template(spec, "IRSA roles for LiteLLM and External Secrets")
    inputs = {
        name: Ref(template.add_parameter(Parameter(name, Type="String", Description=description)))
        for name, description in (
            (EKS_OIDC_PROVIDER_ARN.name, "The cluster's IAM OIDC provider."),
            (EKS_OIDC_ISSUER.name, "The cluster's OIDC issuer, without https://."),
            (RDS_RESOURCE_ID.name, "The database instance's DbiResourceId."),
            *((arn, "A secret External Secrets reads.") for arn in SECRET_ARNS),
            *((arn, "A key those secrets are encrypted with.") for arn in SECRET_KEY_ARNS),
        )
    }

    def trust(service_account: str) -> Sub:
        return irsa_trust(
            inputs[EKS_OIDC_PROVIDER_ARN.name], inputs[EKS_OIDC_ISSUER.name], service_account
        )

    litellm = template.add_resource(
        role(
            spec,
            "LitellmBedrockRole",
            f"LiteLLM ({spec.iam.litellm_service_account}) invokes the allowed Bedrock models",
            trust(spec.iam.litellm_service_account),
            policies=[
                ("invoke-bedrock-models", _invoke_models(spec)),
                ("connect-to-database", _connect_to_database(spec, inputs[RDS_RESOURCE_ID.name])),
            ],
        )
    )
    external_secrets = template.add_resource(
        role(
            spec,
            "ExternalSecretsRole",
            f"External Secrets ({spec.iam.external_secrets_service_account}) reads LiteLLM's "
            "secrets",
            trust(spec.iam.external_secrets_service_account),
            policies=[("read-litellm-secrets", _read_secrets(inputs))],
        )
    )
    template.add_output(
        Output(
            LITELLM_ROLE_ARN.name,
            Description="IRSA role for LiteLLM's service account (Bedrock)",
            Value=GetAtt(litellm, "Arn"),
        )
    )
    template.add_output(
        Output(
            EXTERNAL_SECRETS_ROLE_ARN.name,
            Description="IRSA role for the External Secrets Operator's service account",
            Value=GetAtt(external_secrets, "Arn"),
        )
    )
    return template


def _invoke_models(spec: PlatformSpec) -> PolicyDocument:
    statements = [
        Statement(
            Sid="InvokeTheAllowedModelsOnly",
            Effect=Allow,
            Action=[bedrock.InvokeModel, bedrock.InvokeModelWithResponseStream],
            Resource=list(spec.iam.bedrock_model_arns),
        )
    ]
    if spec.iam.bedrock_marketplace_subscribe:
        # A third-party model's first invocation in an account makes Bedrock subscribe to it
        # in AWS Marketplace as the caller, who then needs these two actions once (Bedrock
        # User Guide, "Access Amazon Bedrock foundation models", model-access.html). AWS
        # Marketplace actions take no resource, so Resource is "*"; aws:CalledViaLast limits
        # them to calls Bedrock makes, as AWS's own AmazonBedrockLimitedAccess policy does.
        statements.append(
            Statement(
                Sid="SubscribeToModelsOnlyThroughBedrock",
                Effect=Allow,
                Action=[marketplace.Subscribe, marketplace.ViewSubscriptions],
                Resource=["*"],
                Condition=Condition(StringEquals("aws:CalledViaLast", "bedrock.amazonaws.com")),
            )
        )
    return PolicyDocument(Version="2012-10-17", Statement=statements)


def _connect_to_database(spec: PlatformSpec, resource_id: Ref) -> PolicyDocument:
    """Sign in as LiteLLM's own database user, on this instance only."""
    user = Sub(
        "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${Id}/"
        f"{spec.rds.app_username}",
        Id=resource_id,
    )
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="SignInAsLitellmsDatabaseUserOnly",
                Effect=Allow,
                Action=[rds_db.connect],
                Resource=[user],
            )
        ],
    )


def _read_secrets(inputs: dict[str, Ref]) -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="ReadThePlatformsSecretsOnly",
                Effect=Allow,
                Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                Resource=[inputs[arn] for arn in SECRET_ARNS],
            ),
            Statement(
                Sid="DecryptThemOnlyThroughSecretsManager",
                Effect=Allow,
                Action=[kms.Decrypt],
                Resource=[inputs[arn] for arn in SECRET_KEY_ARNS],
                Condition=Condition(
                    StringEquals(
                        "kms:ViaService", Sub("secretsmanager.${AWS::Region}.amazonaws.com")
                    )
                ),
            ),
        ],
    )
