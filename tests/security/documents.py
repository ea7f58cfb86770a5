"""Every IAM document the project emits, with CloudFormation intrinsics resolved to
concrete, realistic values, so a policy linter can read them as AWS would."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
# What a Ref or GetAtt Arn of each resource type looks like.
ARN_OF_TYPE = {
    "AWS::Logs::LogGroup": "arn:aws:logs:us-east-1:123456789012:log-group:/example/{id}:*",
    "AWS::IAM::Role": "arn:aws:iam::123456789012:role/{id}",
    "AWS::KMS::Key": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "AWS::SecretsManager::Secret": (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-AbCdEf"
    ),
    "AWS::S3::Bucket": "arn:aws:s3:::example-{id}",
    "AWS::IAM::OIDCProvider": (
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    ),
    "AWS::EKS::Cluster": "arn:aws:eks:us-east-1:123456789012:cluster/example",
}
# What a parameter holds, by the end of its name.
PARAMETER_BY_SUFFIX = (
    ("OidcProviderArn", ARN_OF_TYPE["AWS::IAM::OIDCProvider"]),
    ("OidcIssuer", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"),
    ("SecretArn", ARN_OF_TYPE["AWS::SecretsManager::Secret"]),
    ("KeyArn", ARN_OF_TYPE["AWS::KMS::Key"]),
    ("ClusterArn", ARN_OF_TYPE["AWS::EKS::Cluster"]),
)


@dataclass(frozen=True)
class Document:
    """One policy document: where it is, what kind, and its JSON with intrinsics resolved."""

    where: str
    kind: str  # identity, trust, key, bucket
    text: str


def documents(template: dict[str, Any], file: str) -> Iterator[Document]:
    """Every IAM document in one template."""
    resources = template.get("Resources", {})
    types = {name: r["Type"] for name, r in resources.items()}
    parameters = set(template.get("Parameters", {}))

    def resolved(document: Any) -> str:
        return json.dumps(_resolve(document, types, parameters))

    for name, resource in resources.items():
        props = resource.get("Properties", {})
        where = f"{file}:{name}"
        if resource["Type"] == "AWS::IAM::Role":
            yield Document(where, "trust", resolved(props["AssumeRolePolicyDocument"]))
            for policy in props.get("Policies", []):
                yield Document(
                    f"{where}:{policy['PolicyName']}",
                    "identity",
                    resolved(policy["PolicyDocument"]),
                )
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            yield Document(where, "identity", resolved(props["PolicyDocument"]))
        elif resource["Type"] == "AWS::KMS::Key":
            yield Document(where, "key", resolved(props["KeyPolicy"]))
        elif resource["Type"] == "AWS::S3::BucketPolicy":
            yield Document(where, "bucket", resolved(props["PolicyDocument"]))


def _resolve(node: Any, types: dict[str, str], parameters: set[str]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, types, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return _value_of(node["Ref"], types, parameters)
    if set(node) == {"Fn::GetAtt"}:
        logical, attribute = node["Fn::GetAtt"]
        return _value_of(logical, types, parameters, attribute)
    if set(node) == {"Fn::Split"}:
        separator, text = node["Fn::Split"]
        return str(_resolve(text, types, parameters)).split(separator)
    if set(node) == {"Fn::Select"}:
        index, items = node["Fn::Select"]
        return _resolve(items, types, parameters)[int(index)]
    if set(node) == {"Fn::Sub"}:
        text, variables = (
            (node["Fn::Sub"], {}) if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"]
        )
        values = {k: _resolve(v, types, parameters) for k, v in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            if name in PSEUDO:
                return PSEUDO[name]
            logical, _, attribute = name.partition(".")
            return str(_value_of(logical, types, parameters, attribute or None))

        substituted = re.sub(r"\$\{([^}!]+)\}", substitute, text)
        return json.loads(substituted) if substituted.lstrip().startswith("{") else substituted
    return {key: _resolve(value, types, parameters) for key, value in node.items()}


def _value_of(
    name: str, types: dict[str, str], parameters: set[str], attribute: str | None = None
) -> str:
    if name in PSEUDO:
        return PSEUDO[name]
    if name in parameters:
        for suffix, value in PARAMETER_BY_SUFFIX:
            if name.endswith(suffix):
                return value
        return f"example-{name}"
    kind = types[name]
    if attribute in (None, "Arn") and kind in ARN_OF_TYPE:
        return ARN_OF_TYPE[kind].format(id=name)
    if (kind, attribute) == ("AWS::EKS::Cluster", "OpenIdConnectIssuerUrl"):
        return "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    if kind == "AWS::EC2::Instance":
        return "i-0123456789abcdef0"
    raise AssertionError(f"no example value for {name}.{attribute} ({kind})")
