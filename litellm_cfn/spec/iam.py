"""The `iam` section: what the LiteLLM pods may call through their IRSA role."""

from typing import Annotated

from pydantic import Field

from litellm_cfn.spec.base import Model, Str, distinct, matching

SEED_BEDROCK_MODEL_ARNS = (
    "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
    "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
)

BedrockArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:bedrock:[a-z0-9*-]*:([0-9]{12})?:"
        r"(foundation-model|inference-profile|application-inference-profile)/[A-Za-z0-9._:/*-]+",
        "is not a Bedrock foundation-model or inference-profile ARN",
    ),
]


class Iam(Model):
    """The seed's `iam` module: IRSA roles for LiteLLM (Bedrock) and External Secrets."""

    bedrock_model_arns: Annotated[tuple[BedrockArn, ...], distinct()] = Field(
        SEED_BEDROCK_MODEL_ARNS, description="Bedrock models LiteLLM may invoke, nothing else."
    )
