"""The `iam` section: who may assume the platform's roles, and what LiteLLM may invoke."""

import re
from typing import Annotated

from pydantic import Field, model_validator
from typing_extensions import Self

from litellm_cfn.errors import shown
from litellm_cfn.spec.base import Bool, Model, Str, Violation, check_rules, distinct, matching

# The seed's Claude 3.5 Sonnet v2 and Claude 3 Haiku reached end of life in 2026 (Bedrock
# User Guide, "Model lifecycle", model-lifecycle-legacy.html). Claude Haiku 4.5 is Active and
# invocable in-Region by its model id (model-card-anthropic-claude-haiku-4-5.html, read on
# 2026-12-01); add newer models, or their cross-region inference profiles, in the spec.
DEFAULT_BEDROCK_MODEL_ARNS = (
    "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
)
_MODEL_ID = r"[A-Za-z0-9._:-]+"
_PARTITION = r"arn:aws(?:-[a-z]+)*"
FOUNDATION_MODEL = re.compile(
    rf"{_PARTITION}:bedrock:([a-z0-9-]+|\*)::foundation-model/({_MODEL_ID})"
)
# A system-defined cross-region profile: `<geography>.<model id>`, routing to that model in
# several regions, each of which needs the foundation-model ARN allowed too.
INFERENCE_PROFILE = re.compile(
    rf"{_PARTITION}:bedrock:[a-z0-9-]+:[0-9]{{12}}:inference-profile/"
    rf"(?:[a-z]+)\.({_MODEL_ID})"
)
APPLICATION_PROFILE = re.compile(
    rf"{_PARTITION}:bedrock:[a-z0-9-]+:[0-9]{{12}}:application-inference-profile/[a-z0-9]+"
)

BedrockArn = Annotated[
    Str,
    matching(
        "|".join(p.pattern for p in (FOUNDATION_MODEL, INFERENCE_PROFILE, APPLICATION_PROFILE)),
        "is not a Bedrock foundation-model ARN (arn:aws:bedrock:<region or *>::foundation-model/"
        "<model>) or inference-profile ARN (arn:aws:bedrock:<region>:<account>:"
        "inference-profile/<geo>.<model>)",
    ),
]
ServiceAccount = Annotated[
    Str,
    matching(
        r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?",
        "is not namespace/name with Kubernetes (DNS-1123) names, e.g. litellm/litellm",
    ),
]
PolicyArn = Annotated[
    Str,
    matching(
        r"arn:aws(-[a-z]+)*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+",
        "is not an IAM policy ARN such as arn:aws:iam::123456789012:policy/Boundary",
    ),
]
RolePath = Annotated[
    Str,
    matching(r"/|/[\x21-\x7e]{1,510}/", "is not an IAM path: starts and ends with '/'"),
]


class Iam(Model):
    """The seed's `iam` module: IRSA roles for LiteLLM (Bedrock) and External Secrets."""

    bedrock_model_arns: Annotated[tuple[BedrockArn, ...], distinct(required=True)] = Field(
        DEFAULT_BEDROCK_MODEL_ARNS,
        description="Bedrock models LiteLLM may invoke, nothing else; at least one.",
    )
    bedrock_marketplace_subscribe: Bool = Field(
        True,
        description="Let LiteLLM's first call to a third-party model subscribe the account "
        "to it through Bedrock (AWS Marketplace Subscribe and ViewSubscriptions).",
    )
    litellm_service_account: ServiceAccount = Field(
        "litellm/litellm", description="namespace/name of LiteLLM's Kubernetes service account."
    )
    external_secrets_service_account: ServiceAccount = Field(
        "external-secrets/external-secrets",
        description="namespace/name of the External Secrets Operator's service account.",
    )
    permissions_boundary_arn: PolicyArn | None = Field(
        None, description="Permissions boundary set on every role the platform creates."
    )
    role_path: RolePath = Field("/", description="IAM path of every role the platform creates.")

    @property
    def litellm_namespace(self) -> str:
        """The namespace of LiteLLM's service account, where LiteLLM runs."""
        return self.litellm_service_account.split("/")[0]

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_rules(*self._profiles_list_their_models())
        return self

    def _profiles_list_their_models(self) -> list[Violation]:
        """A cross-region profile invokes its model in several regions: allow the model too."""
        allowed = {
            match.group(2)
            for arn in self.bedrock_model_arns
            if (match := FOUNDATION_MODEL.fullmatch(arn))
        }
        violations: list[Violation] = []
        for index, arn in enumerate(self.bedrock_model_arns):
            profile = INFERENCE_PROFILE.fullmatch(arn)
            if profile and profile.group(1) not in allowed:
                model = f"arn:{arn.split(':')[1]}:bedrock:*::foundation-model/{profile.group(1)}"
                violations.append(
                    (
                        ("bedrock_model_arns", index),
                        "a cross-region inference profile also needs the model it routes to; "
                        f"add {shown(model, 200)}",
                    )
                )
        return violations
