"""Expected policy documents shared by the stack tests."""

from __future__ import annotations


def irsa_document(service_account: str) -> dict:
    """The trust document for `namespace:name` through the cluster's OIDC provider."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "${OidcProviderArn}"},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {
                        "${OidcIssuer}:sub": f"system:serviceaccount:{service_account}",
                        "${OidcIssuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
