"""Every awacs-built policy in every template passes parliament, an IAM policy linter.

parliament models identity policies. Trust, key and bucket policies are linted too: trust
statements get `Resource: "*"` for the lint, since parliament skips a statement without
one. Each finding that only means "this is not an identity policy", and each of
parliament's known false positives, is allowed below by its exact detail, with its reason.
Anything else fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from parliament import analyze_policy_string
from parliament.finding import Finding

from litellm_cfn.catalog.template import PublishedVersion, catalog_template
from litellm_cfn.compile.compiler import compile_platform
from litellm_cfn.compile.launch_role import LAUNCH_ROLE_FILE
from litellm_cfn.deploy.bootstrap import bootstrap_template
from tests.security.documents import Document, documents
from tests.security.platforms import every_spec

ISSUER = r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/\w+"


@dataclass(frozen=True)
class Allowance:
    """A finding that is fine: its document kind, issue, and a pattern every subject of its
    detail (the actions it lists, or its message) must match in full."""

    kind: str
    issue: str
    subject: str
    reason: str


ALLOWED = (
    Allowance(
        "trust",
        "RESOURCE_STAR",
        r"sts:AssumeRole(WithWebIdentity)?",
        "the lint adds Resource '*' to trust statements, which have no Resource",
    ),
    Allowance(
        "trust",
        "UNKNOWN_FEDERATION_SOURCE",
        rf"arn:aws:iam::\d{{12}}:oidc-provider/{ISSUER}",
        "parliament knows well-known identity providers, not each EKS cluster's OIDC provider",
    ),
    Allowance(
        "trust",
        "UNKNOWN_CONDITION_FOR_ACTION",
        rf"Unknown condition {ISSUER}:(sub|aud) for action sts:AssumeRoleWithWebIdentity",
        "an EKS OIDC provider's condition keys are named after its issuer; parliament knows "
        "only global keys",
    ),
    Allowance(
        "key",
        "RESOURCE_STAR",
        r"kms:\w+",
        "in a key policy Resource '*' means this key; AWS requires it",
    ),
    Allowance(
        "identity",
        "RESOURCE_MISMATCH",
        r"kms:(Create|Delete|Update)Alias",
        "an alias action is authorized on the alias and on its key; the key side needs the "
        "platform tag, which an alias ARN cannot carry, so each side has its own statement",
    ),
    Allowance(
        "identity",
        "RESOURCE_MISMATCH",
        r"bedrock:InvokeModel(WithResponseStream)?",
        "parliament's Bedrock data predates its ARN formats: it reports the very "
        "foundation-model and inference-profile formats it lists as required",
    ),
)


def all_documents() -> list[Document]:
    found: list[Document] = []
    for spec in every_spec():
        compiled = compile_platform(spec)
        for file, template in compiled.files.items():
            found += documents(template.to_dict(), f"{spec.stack_name}/{file}")
        if spec.catalog is not None:
            version = PublishedVersion("1.0.0", "a" * 64, "https://b.s3.amazonaws.com/t.yaml")
            launch_role = compiled.companions.get(LAUNCH_ROLE_FILE)
            catalog = catalog_template(spec, spec.catalog, [version], launch_role)
            found += documents(catalog.to_dict(), "catalog.yaml")
    found += documents(bootstrap_template(("210987654321",), "o-abcdefghij").to_dict(), "bootstrap")
    return found


DOCUMENTS = all_documents()


def test_every_kind_of_document_is_linted():
    assert {d.kind for d in DOCUMENTS} == {"identity", "trust", "key", "bucket"}
    assert len(DOCUMENTS) > 100


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: f"{d.kind}:{d.where}")
def test_parliament_finds_nothing_that_is_not_explained(document: Document):
    unexplained = [
        f"{finding.issue}: {str(finding.detail)[:300]}"
        for finding in analyze_policy_string(_lintable(document)).findings
        if not any(_allows(allowance, document.kind, finding) for allowance in ALLOWED)
    ]
    assert unexplained == []


def test_trust_statements_are_really_linted():
    """Without the added Resource, parliament would check nothing in a trust policy."""
    trust = next(d for d in DOCUMENTS if d.kind == "trust" and "Federated" in d.text)
    issues = {f.issue for f in analyze_policy_string(_lintable(trust)).findings}
    assert "UNKNOWN_CONDITION_FOR_ACTION" in issues


def _lintable(document: Document) -> str:
    if document.kind != "trust":
        return document.text
    policy = json.loads(document.text)
    for statement in policy["Statement"]:
        statement.setdefault("Resource", "*")
    return json.dumps(policy)


def _allows(allowance: Allowance, kind: str, finding: Finding) -> bool:
    if (allowance.kind, allowance.issue) != (kind, finding.issue):
        return False
    return all(re.fullmatch(allowance.subject, s) for s in _subjects(finding.detail))


def _subjects(detail: object) -> list[str]:
    """What a finding is about: the actions its detail lists, else its message."""
    if isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail):
        return [str(d.get("action")) for d in detail]
    if isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        return detail
    return [str(detail)]
