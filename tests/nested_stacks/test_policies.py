"""The shared awacs helpers: IRSA and service trust documents."""

from __future__ import annotations

import json

from troposphere import GetAtt, Ref, encode_to_dict

from nested_stacks.policies import irsa_trust, service_trust


def test_irsa_trust_names_one_service_account_and_the_sts_audience():
    trust = irsa_trust(Ref("Provider"), GetAtt("Cluster", "Issuer"), "litellm/gateway").to_dict()
    text, variables = trust["Fn::Sub"]
    (statement,) = json.loads(text)["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {
            "${OidcIssuer}:sub": "system:serviceaccount:litellm:gateway",
            "${OidcIssuer}:aud": "sts.amazonaws.com",
        }
    }
    assert statement["Principal"] == {"Federated": "${OidcProviderArn}"}
    assert variables == {
        "OidcProviderArn": {"Ref": "Provider"},
        "OidcIssuer": {"Fn::GetAtt": ["Cluster", "Issuer"]},
    }
    assert text.count("${") == 3, "only the two placeholders are substituted"


def encode(document) -> str:
    return json.dumps(encode_to_dict(document))


def test_service_trust_can_leave_out_the_account_pin_for_ec2():
    (statement,) = json.loads(encode(service_trust("ec2.amazonaws.com", pinned_to_account=False)))[
        "Statement"
    ]
    assert "Condition" not in statement
    (pinned,) = json.loads(encode(service_trust("logs.amazonaws.com")))["Statement"]
    assert pinned["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
