"""The `iam` section: Bedrock ARNs, service accounts, boundary and path."""

from __future__ import annotations

import pytest

from tests.conftest import assert_located, spec_from

PROFILE = (
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
    "us.anthropic.claude-3-haiku-20240307-v1:0"
)

BAD = [
    (
        "iam: {bedrock_model_arns: ['arn:aws:s3:::bucket']}\n",
        "platform.yaml:2:28: iam.bedrock_model_arns[0]: 'arn:aws:s3:::bucket' is not a Bedrock "
        "foundation-model ARN",
    ),
    (
        f"iam: {{bedrock_model_arns: ['{PROFILE}']}}\n",
        "platform.yaml:2:28: iam.bedrock_model_arns[0]: a cross-region inference profile also "
        "needs the model it routes to; "
        "add 'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'",
    ),
    (
        "iam: {litellm_service_account: litellm}\n",
        "platform.yaml:2:7: iam.litellm_service_account: 'litellm' is not namespace/name",
    ),
    (
        "iam: {external_secrets_service_account: ES/operator}\n",
        "platform.yaml:2:7: iam.external_secrets_service_account: 'ES/operator' is not "
        "namespace/name",
    ),
    (
        "iam: {permissions_boundary_arn: 'arn:aws:iam::123456789012:role/Boundary'}\n",
        "platform.yaml:2:7: iam.permissions_boundary_arn: "
        "'arn:aws:iam::123456789012:role/Boundary' is not an IAM policy ARN",
    ),
    (
        "iam: {role_path: litellm}\n",
        "platform.yaml:2:7: iam.role_path: 'litellm' is not an IAM path",
    ),
    (
        "bastion: {instance_type: tiny}\n",
        "platform.yaml:2:11: bastion.instance_type: 'tiny' does not look like",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_iam_settings_are_refused_with_a_located_message(text, expected):
    assert_located("name: demo\n" + text, expected)


def test_a_profile_with_its_model_and_application_profiles_are_accepted():
    arns = spec_from(
        "name: demo\niam:\n  bedrock_model_arns:\n"
        f"    - {PROFILE}\n"
        "    - 'arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'\n"
        "    - arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3\n"
    ).iam.bedrock_model_arns
    assert len(arns) == 3


def test_iam_defaults_are_the_seeds():
    settings = spec_from("name: demo\n").iam
    assert settings.litellm_service_account == "litellm/litellm"
    assert settings.external_secrets_service_account == "external-secrets/external-secrets"
    assert settings.permissions_boundary_arn is None
    assert settings.role_path == "/"
