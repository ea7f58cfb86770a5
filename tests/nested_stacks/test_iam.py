"""The IAM stack: exact trust and permission documents, nothing on `*`, boundary and path."""

from __future__ import annotations

import json

from litellm_cfn.compile.compiler import ROOT_FILE, compile_platform
from nested_stacks import iam
from tests.conftest import spec_from
from tests.nested_stacks.documents import irsa_document

PROFILE = (
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
    "us.anthropic.claude-3-haiku-20240307-v1:0"
)
HAIKU = "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"


def template_of(text: str = "name: demo\n") -> dict:
    return iam.build(spec_from(text)).to_dict()


def trust_of(role: dict) -> dict:
    text, variables = role["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"]
    assert variables == {
        "OidcProviderArn": {"Ref": "EksOidcProviderArn"},
        "OidcIssuer": {"Ref": "EksOidcIssuer"},
    }
    return json.loads(text)


def test_litellm_may_invoke_exactly_the_listed_models_as_its_service_account_only():
    role = template_of(f"name: demo\niam:\n  bedrock_model_arns: ['{HAIKU}', '{PROFILE}']\n")[
        "Resources"
    ]["LitellmBedrockRole"]
    assert trust_of(role) == irsa_document("litellm:litellm")
    policy, _ = role["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "InvokeTheAllowedModelsOnly",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": [HAIKU, PROFILE],
        },
        {
            "Sid": "SubscribeToModelsOnlyThroughBedrock",
            "Effect": "Allow",
            "Action": ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"],
            "Resource": ["*"],
            "Condition": {"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}},
        },
    ]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_the_marketplace_statement_goes_when_the_spec_turns_it_off():
    role = template_of("name: demo\niam: {bedrock_marketplace_subscribe: false}\n")["Resources"][
        "LitellmBedrockRole"
    ]
    policy, _ = role["Properties"]["Policies"]
    assert [s["Sid"] for s in policy["PolicyDocument"]["Statement"]] == [
        "InvokeTheAllowedModelsOnly"
    ]


def test_external_secrets_reads_exactly_the_platforms_secrets_through_secrets_manager():
    role = template_of("name: demo\niam: {external_secrets_service_account: eso/operator}\n")[
        "Resources"
    ]["ExternalSecretsRole"]
    assert trust_of(role) == irsa_document("eso:operator")
    (policy,) = role["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "ReadThePlatformsSecretsOnly",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": [
                {"Ref": "LitellmMasterKeySecretArn"},
                {"Ref": "LitellmSaltKeySecretArn"},
                {"Ref": "RedisPasswordSecretArn"},
                {"Ref": "DbConnectionSecretArn"},
                {"Ref": "RdsMasterUserSecretArn"},
            ],
        },
        {
            "Sid": "DecryptThemOnlyThroughSecretsManager",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [{"Ref": "LitellmSecretsKeyArn"}, {"Ref": "RdsKeyArn"}],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
                }
            },
        },
    ]


def test_every_role_takes_the_specs_path_and_permissions_boundary():
    boundary = "arn:aws:iam::123456789012:policy/PlatformBoundary"
    spec = spec_from(
        f"name: demo\nbastion: {{enabled: true}}\n"
        f"iam: {{role_path: /litellm/, permissions_boundary_arn: '{boundary}'}}\n"
    )
    roles = [
        (file, name, resource["Properties"])
        for file, template in compile_platform(spec).templates.items()
        for name, resource in template.to_dict()["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    ]
    assert len(roles) >= 8
    for file, name, props in roles:
        assert props["Path"] == "/litellm/", f"{file} {name}"
        assert props["PermissionsBoundary"] == boundary, f"{file} {name}"


def test_litellm_may_sign_in_to_the_database_as_its_own_user_on_this_instance_only():
    role = template_of("name: demo\nrds: {app_username: gateway}\n")["Resources"][
        "LitellmBedrockRole"
    ]
    _, policy = role["Properties"]["Policies"]
    assert policy["PolicyName"] == "connect-to-database"
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "SignInAsLitellmsDatabaseUserOnly",
            "Effect": "Allow",
            "Action": ["rds-db:connect"],
            "Resource": [
                {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:"
                        "${Id}/gateway",
                        {"Id": {"Ref": "RdsResourceId"}},
                    ]
                }
            ],
        }
    ]


def test_the_iam_stack_takes_its_inputs_from_the_stacks_that_make_them():
    root = compile_platform(spec_from("name: demo\n")).templates[ROOT_FILE].to_dict()
    parameters = root["Resources"]["IamStack"]["Properties"]["Parameters"]
    producers = {name: value["Fn::GetAtt"][0] for name, value in parameters.items()}
    assert producers == {
        "EksOidcProviderArn": "EksStack",
        "EksOidcIssuer": "EksStack",
        "LitellmMasterKeySecretArn": "SecretsStack",
        "LitellmSaltKeySecretArn": "SecretsStack",
        "RedisPasswordSecretArn": "SecretsStack",
        "DbConnectionSecretArn": "RdsStack",
        "RdsMasterUserSecretArn": "RdsStack",
        "LitellmSecretsKeyArn": "SecretsStack",
        "RdsKeyArn": "RdsStack",
        "RdsResourceId": "RdsStack",
    }
    assert set(template_of()["Outputs"]) == {"LitellmBedrockRoleArn", "ExternalSecretsRoleArn"}
