"""Every identity policy of every platform, the launch role's included, through cloudsplaining:
privilege escalation, resource exposure, data exfiltration and credentials exposure.

Two passes. As cloudsplaining runs by default (only unconditioned `Resource: "*"` statements
count), nothing may be found. With `flag_resource_arn_statements` (what `--flag-all-risky-
actions` turns on: every statement counts, whatever its ARNs and conditions), each finding
must be allowed below with the reason it is safe.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from cloudsplaining.scan.policy_document import PolicyDocument
from cloudsplaining.shared.exclusions import Exclusions

from litellm_cfn.compile.compiler import compile_platform
from tests.security.documents import Document, documents
from tests.security.platforms import every_spec

NO_EXCLUSIONS = Exclusions({})


@dataclass(frozen=True)
class Allowance:
    """A finding that is fine: where (a pattern of the document's place), its kind, a pattern
    every action it names must match, and why."""

    where: str
    kind: str
    actions: str
    reason: str


ROLE_WRITES = r"iam:(putrolepolicy|attachrolepolicy|updateassumerolepolicy)"
ALLOWED = (
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "privilege escalation",
        ROLE_WRITES,
        "only on roles carrying the platform tag (aws:ResourceTag), which the launch role "
        "itself does not carry, and its own ARN is denied every IAM write",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "privilege escalation",
        r"ec2:(createlaunchtemplateversion|modifylaunchtemplate)",
        "only on launch templates carrying the platform tag; a template can hand nodes no role "
        "but the platform's (iam:PassRole is limited to them)",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "resource exposure",
        r"iam:(createinstanceprofile|deleteinstanceprofile|addroletoinstanceprofile|"
        r"removerolefrominstanceprofile)",
        "only the one instance profile the templates name (the bastion's)",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "resource exposure",
        r"cloudformation:setstackpolicy",
        "only stacks named SC-*, the ones Service Catalog launches with this role",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "data exfiltration",
        r"s3:getobject",
        "the platform's nested templates, and Service Catalog's copy of the product (objects "
        "tagged servicecatalog:provisioning, as constraints-launch.html prescribes)",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "data exfiltration",
        r"ssm:getparameters",
        "AWS's public parameters under /aws/service/ only (the bastion's AMI)",
    ),
    Allowance(
        r".*launch-role\.yaml:LaunchPolicy\d+",
        "data exfiltration",
        r"secretsmanager:getsecretvalue",
        "the Redis password secret only, which CloudFormation resolves as the cache's AUTH "
        "token while deploying (dynamic-references-secretsmanager.html)",
    ),
    *(
        Allowance(
            r".*iam\.yaml:LitellmBedrockRole:connect-to-database",
            kind,
            r"rds-db:connect",
            "exactly LiteLLM's own database user on the platform's instance "
            "(dbuser:<DbiResourceId>/<rds.app_username>): it signs in, it manages nothing",
        )
        for kind in ("resource exposure", "credentials exposure")
    ),
    Allowance(
        r".*iam\.yaml:ExternalSecretsRole:read-litellm-secrets",
        "data exfiltration",
        r"secretsmanager:getsecretvalue",
        "exactly the platform's five secrets, by ARN: External Secrets exists to read them",
    ),
)


def identity_documents() -> list[Document]:
    found: list[Document] = []
    for spec in every_spec():
        for file, template in compile_platform(spec).files.items():
            found += [
                d
                for d in documents(template.to_dict(), f"{spec.stack_name}/{file}")
                if d.kind == "identity"
            ]
    return found


DOCUMENTS = identity_documents()


def findings(document: Document, every_statement: bool) -> list[tuple[str, list[str]]]:
    """(kind, lower-cased actions) of each cloudsplaining finding."""
    policy = PolicyDocument(
        json.loads(document.text),
        exclusions=NO_EXCLUSIONS,
        flag_resource_arn_statements=every_statement,
    )
    found = [("privilege escalation", e["actions"]) for e in policy.allows_privilege_escalation]
    for kind, actions in (
        ("resource exposure", policy.permissions_management_without_constraints),
        ("data exfiltration", policy.allows_data_exfiltration_actions),
        ("credentials exposure", policy.credentials_exposure),
    ):
        found += [(kind, [action.lower()]) for action in actions]
    return found


def test_the_launch_role_and_every_platform_role_are_scanned():
    places = {d.where.split("/", 1)[1] for d in DOCUMENTS}
    assert any("launch-role.yaml:LaunchPolicy" in p for p in places)
    assert any("iam.yaml:LitellmBedrockRole" in p for p in places)
    assert any("bastion.yaml:BastionRole" in p for p in places)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.where)
def test_cloudsplaining_finds_nothing_by_default(document: Document):
    assert findings(document, every_statement=False) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.where)
def test_every_finding_of_a_full_scan_is_explained(document: Document):
    unexplained = [
        (kind, actions)
        for kind, actions in findings(document, every_statement=True)
        if not any(_allows(a, document, kind, actions) for a in ALLOWED)
    ]
    assert unexplained == []


def test_the_scan_would_report_an_escalation():
    """The harness is live: a role that may pass any role to EC2 is caught by default."""
    risky = Document(
        "planted",
        "identity",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["iam:PassRole", "ec2:RunInstances"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    assert ("privilege escalation", ["iam:passrole", "ec2:runinstances"]) in findings(
        risky, every_statement=False
    )


def _allows(allowance: Allowance, document: Document, kind: str, actions: list[str]) -> bool:
    return (
        allowance.kind == kind
        and re.fullmatch(allowance.where, document.where) is not None
        and all(re.fullmatch(allowance.actions, action) for action in actions)
    )
