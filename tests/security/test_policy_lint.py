"""Every awacs-built policy in every template passes parliament, an IAM policy linter.

parliament models identity policies. Trust, key and bucket policies are linted too, and the
findings that only mean "this is not an identity policy" are allowed below with their reason,
as are parliament's known false positives. Anything else fails.
"""

from __future__ import annotations

import pytest
from parliament import analyze_policy_string

from litellm_cfn.bootstrap import bootstrap_template
from litellm_cfn.catalog.launch_role import resource_types
from litellm_cfn.catalog.template import PublishedVersion, catalog_template
from litellm_cfn.compiler import compile_platform
from tests.security.documents import Document, documents
from tests.security.platforms import every_spec

# (document kind, parliament issue, action the finding is about or None) -> why it is fine.
ALLOWED = {
    ("trust", "MALFORMED", None): "trust policies name a principal, never a Resource",
    ("trust", "UNKNOWN_FEDERATION_SOURCE", None): (
        "parliament knows well-known identity providers, not each EKS cluster's OIDC provider"
    ),
    ("key", "RESOURCE_STAR", None): "in a key policy Resource '*' means this key; AWS requires it",
}
# parliament's data predates Bedrock's ARN formats: it reports the very foundation-model and
# inference-profile formats it lists as required.
for _action in ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"):
    ALLOWED[("identity", "RESOURCE_MISMATCH", _action)] = "parliament's Bedrock data is dated"


def all_documents() -> list[Document]:
    found: list[Document] = []
    for spec in every_spec():
        compiled = compile_platform(spec)
        for file, template in compiled.templates.items():
            found += documents(template.to_dict(), f"{spec.stack_name}/{file}")
        if spec.catalog is not None:
            version = PublishedVersion("1.0.0", "a" * 64, "https://b.s3.amazonaws.com/t.yaml")
            catalog = catalog_template(
                spec,
                spec.catalog,
                [version],
                resource_types(compiled.templates.values()),
                "arn:${AWS::Partition}:s3:::bucket/demo-prod/*",
            )
            found += documents(catalog.to_dict(), "catalog.yaml")
    found += documents(bootstrap_template(("210987654321",), "o-abcdefghij").to_dict(), "bootstrap")
    return found


DOCUMENTS = all_documents()


def test_every_kind_of_document_is_linted():
    assert {d.kind for d in DOCUMENTS} == {"identity", "trust", "key", "bucket"}
    assert len(DOCUMENTS) > 100


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: f"{d.kind}:{d.where}")
def test_parliament_finds_nothing_that_is_not_explained(document: Document):
    unexplained = []
    for finding in analyze_policy_string(document.text).findings:
        actions = _actions_of(finding.detail)
        if not all(
            (document.kind, finding.issue, action) in ALLOWED
            or (document.kind, finding.issue, None) in ALLOWED
            for action in actions
        ):
            unexplained.append(f"{finding.issue}: {str(finding.detail)[:300]}")
    assert unexplained == []


def _actions_of(detail: object) -> set[str | None]:
    """The actions a finding is about, when its detail names them."""
    if isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail):
        return {d.get("action") for d in detail}
    return {None}
