"""The secrets stack: generated, encrypted, retained, and a salt key that can never change."""

from __future__ import annotations

from nested_stacks import secrets
from tests.conftest import spec_from


def template_of(text: str = "name: demo\n") -> dict:
    return secrets.build(spec_from(text)).to_dict()


def test_the_three_secrets_have_deterministic_names():
    resources = template_of("name: acme\nenvironment: staging\n")["Resources"]
    names = {k: r["Properties"]["Name"] for k, r in resources.items() if "Name" in r["Properties"]}
    assert names == {
        "LitellmMasterKeySecret": "acme/staging/litellm/master-key",
        "LitellmSaltKeySecret": "acme/staging/litellm/salt-key",
        "RedisPasswordSecret": "acme/staging/litellm/redis-password",
    }


def test_secrets_are_generated_long_and_url_safe_and_encrypted_with_a_customer_key():
    resources = template_of()["Resources"]
    for logical_id in ("LitellmMasterKeySecret", "LitellmSaltKeySecret", "RedisPasswordSecret"):
        props = resources[logical_id]["Properties"]
        assert props["GenerateSecretString"] == {
            "PasswordLength": 64,
            "ExcludePunctuation": True,
            "IncludeSpace": False,
            "RequireEachIncludedType": True,
        }
        assert props["KmsKeyId"] == {"Fn::GetAtt": ["LitellmSecretsKey", "Arn"]}
        assert resources[logical_id]["DeletionPolicy"] == "Retain"
        assert resources[logical_id]["UpdateReplacePolicy"] == "Retain"
    assert resources["LitellmSecretsKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_salt_key_has_nothing_the_spec_could_change_but_its_name():
    salt = template_of()["Resources"]["LitellmSaltKeySecret"]
    assert set(salt["Properties"]) == {"Name", "Description", "KmsKeyId", "GenerateSecretString"}
    other = template_of(
        "name: demo\nvpc: {single_nat_gateway: true}\nrds: {multi_az: false}\n"
        "eks: {cluster_version: '1.35'}\ntags: {}\n"
    )["Resources"]["LitellmSaltKeySecret"]
    assert other == salt


def test_outputs_name_every_secret_and_the_key():
    assert set(template_of()["Outputs"]) == {
        "LitellmMasterKeySecretArn",
        "LitellmMasterKeySecretName",
        "LitellmSaltKeySecretArn",
        "LitellmSaltKeySecretName",
        "RedisPasswordSecretArn",
        "RedisPasswordSecretName",
        "LitellmSecretsKeyArn",
    }
