"""Whether every target account may read the fleet's templates in the artifacts bucket,
checked before a rollout starts rather than found failing minutes into it.

CloudFormation in each target account fetches the nested stacks' TemplateURLs with that
account's credentials: a cross-account read, which the bucket's policy must allow and which an
explicit Deny there refuses, whatever the reader's own policies say:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html
(aws:PrincipalOrgID: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)

The policy is read narrowly, for the shapes `litellm-cfn bootstrap` writes; anything else
counts against a reader, so a refusal is fixed by the bootstrap command it names.
- An Allow lets an account read when its Action covers s3:GetObject (s3:GetObject, s3:Get*,
  s3:*, *; in any case), its Resource covers every object (arn:<partition>:s3:::BUCKET/* or a
  wildcard over it) and its Principal names the account (ID or arn:...:iam::ID:root), with no
  Condition. Principal "*" with no Condition lets anyone read; with only StringEquals
  aws:PrincipalOrgID, that organization's accounts (a service-managed fleet's organization).
  An Allow with NotAction, NotResource, NotPrincipal or another Condition grants nothing here.
- A Deny whose Action covers s3:GetObject and whose Resource matches any object refuses the
  accounts its Principal names ("*": all; any principal of an account: that account) or its
  NotPrincipal does not name, whatever its Condition, except bootstrap's TLS-only Deny
  (aws:SecureTransport false), which refuses nothing over TLS. NotAction and NotResource on a
  Deny are taken to cover the read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from litellm_cfn.errors import LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.fleet.load import LoadedFleet

READ = "s3:getobject"  # action names are case-insensitive: compared lowercased
_ROOT = re.compile(r"arn:[a-z-]+:iam::([0-9]{12}):root|([0-9]{12})")
_ANY_OF_ACCOUNT = re.compile(r"arn:[a-z-]+:(?:iam|sts)::([0-9]{12}):.*|([0-9]{12})")
_ORGANIZATION = re.compile(r"o-[a-z0-9]{10,32}")


def unreadable_by(
    policy: dict | None,
    bucket: str,
    accounts: Iterable[str],
    organization_id: str | None,
    own_account: str,
    *,
    partition: str = "aws",
) -> list[str]:
    """The accounts (and `organization o-...` for a service-managed fleet's organization)
    that `policy` does not let read `bucket`'s objects, sorted; `own_account` owns them."""
    statements = _statements(policy)
    objects = f"arn:{partition}:s3:::{bucket}/"
    readers = _readers(statements, objects)
    missing = [
        account
        for account in set(accounts) - {own_account}
        if not readers & {account, "*"} or any(_denies(s, objects, account) for s in statements)
    ]
    if organization_id is not None and (
        not readers & {organization_id, "*"} or any(_denies(s, objects, None) for s in statements)
    ):
        missing.append(f"organization {organization_id}")
    return sorted(missing)


def check_bucket_access(
    s3: Any, bucket: str, loaded: LoadedFleet, own_account: str, warn: Callable[[str], None]
) -> None:
    """Refuse a rollout (exit 1) when the bucket's policy keeps a target account from reading
    the templates, naming the bootstrap command that grants it; warn when it cannot be read."""
    from botocore.exceptions import ClientError

    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            warn(
                f"warning: cannot check that every target account may read the templates in "
                f"s3://{bucket}: {' '.join(str(error).split())[:300]}"
            )
            return
        policy = None
    fleet = loaded.fleet
    organization = fleet.organization.id if fleet.organization else None
    accounts = {a for target in fleet.targets.values() for a in target.accounts or ()}
    objects = f"arn:{s3.meta.partition}:s3:::{bucket}/"
    missing = unreadable_by(
        policy, bucket, accounts, organization, own_account, partition=s3.meta.partition
    )
    if not missing:
        return
    readers = _readers(_statements(policy), objects)
    trusted = sorted((accounts - {own_account}) | {r for r in readers if r.isdigit()})
    kept = sorted(r for r in readers if _ORGANIZATION.fullmatch(r))  # shown: bounded
    trust = organization or (kept[0] if kept else None)
    command = " ".join(
        [f"litellm-cfn bootstrap --region {s3.meta.region_name}"]
        + [f"--trust-account {account}" for account in trusted]
        + ([f"--trust-organization {trust}"] if trust else [])
    )
    raise LitellmCfnError(
        f"the artifacts bucket {bucket} does not let {_named(missing)} read the templates "
        f"(s3:GetObject on {objects}*): every stack instance there would fail minutes into "
        f"the rollout, when CloudFormation fetches its nested stacks. Run `{command}` first: "
        "bootstrap replaces the bucket's policy with exactly the readers given, here every "
        "target account and every reader granted now (for a bucket of your own, allow each "
        "of them s3:GetObject on its objects)"
    )


def _named(missing: list[str]) -> str:
    accounts = [entry for entry in missing if entry.isdigit()]
    others = [entry for entry in missing if not entry.isdigit()]
    named = [f"account{'s' if len(accounts) > 1 else ''} {', '.join(accounts)}"] if accounts else []
    return " and ".join(named + others)


def _statements(policy: dict | None) -> list[dict]:
    found = policy.get("Statement", []) if isinstance(policy, dict) else []
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]


def _listed(value: Any) -> list[str]:
    return [
        item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)
    ]


def _principals(value: Any) -> list[str]:
    return _listed(value.get("AWS") if isinstance(value, dict) else value)


def _readers(statements: list[dict], objects: str) -> set[str]:
    """Who the Allow statements let read every object: account ids, organization ids, "*"."""
    found: set[str] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow" or not _reads(statement, objects, allow=True):
            continue
        principals = _principals(statement.get("Principal"))
        condition = statement.get("Condition")
        if not condition:
            roots = (_ROOT.fullmatch(p) for p in principals)
            found |= {"*"} if "*" in principals else {m[1] or m[2] for m in roots if m}
        elif "*" in principals:
            found |= _organizations(condition)
    return found


def _organizations(condition: Any) -> set[str]:
    """The organizations a condition of only StringEquals aws:PrincipalOrgID admits."""
    if not isinstance(condition, dict) or list(condition) != ["StringEquals"]:
        return set()
    tests = condition["StringEquals"]
    if not isinstance(tests, dict) or [k.lower() for k in tests] != ["aws:principalorgid"]:
        return set()
    return set(_listed(next(iter(tests.values()))))


def _denies(statement: dict, objects: str, account: str | None) -> bool:
    """Whether a Deny refuses `account`'s reads (None: some account of the organization)."""
    if statement.get("Effect") != "Deny" or _tls_only(statement.get("Condition")):
        return False
    if not _reads(statement, objects, allow=False):
        return False
    if "Principal" in statement:
        principals = _principals(statement["Principal"])
        return "*" in principals or account in _accounts_of(principals)
    return account is None or account not in _accounts_of(
        _principals(statement.get("NotPrincipal"))
    )


def _accounts_of(principals: list[str]) -> set[str]:
    matches = (_ANY_OF_ACCOUNT.fullmatch(p) for p in principals)
    return {m[1] or m[2] for m in matches if m}


def _tls_only(condition: Any) -> bool:
    """Whether a condition holds only for requests without TLS (aws:SecureTransport false)."""
    if not isinstance(condition, dict) or len(condition) != 1:
        return False
    operator, tests = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, dict) or len(tests) != 1:
        return False
    key, value = next(iter(tests.items()))
    values = value if isinstance(value, list) else [value]
    return key.lower() == "aws:securetransport" and [str(v).lower() for v in values] == ["false"]


def _reads(statement: dict, objects: str, *, allow: bool) -> bool:
    """Whether a statement's actions and resources take in reading the bucket's objects: all
    of them for an Allow, any for a Deny."""
    if "Action" not in statement or "Resource" not in statement:
        return not allow  # NotAction, NotResource: grant nothing here, taken to deny
    actions = [action.lower() for action in _listed(statement["Action"])]
    if not any(len(action) in _after(action, READ) for action in actions):
        return False
    matches = _covers if allow else _touches
    return any(matches(resource, objects) for resource in _listed(statement["Resource"]))


def _after(pattern: str, text: str) -> set[int]:
    """Where in `pattern` (IAM's wildcards: * any run, ? one character) matching can be after
    reading all of `text`: the pattern matches `text` when its length is among them."""
    end = len(pattern)

    def spread(states: Iterable[int]) -> set[int]:
        found = set()
        for i in states:
            found.add(i)
            while i < end and pattern[i] == "*":  # a star may match nothing
                i += 1
                found.add(i)
        return found

    states = spread({0})
    for char in text:
        states = spread(
            i + (pattern[i] != "*") for i in states if i < end and pattern[i] in ("*", "?", char)
        )
    return states


def _covers(pattern: str, objects: str) -> bool:
    """Whether a Resource pattern matches every object key after `objects` (bucket ARN + /)."""
    return any(set(pattern[i:]) == {"*"} for i in _after(pattern, objects))


def _touches(pattern: str, objects: str) -> bool:
    """Whether a Resource pattern matches some object key after `objects`."""
    return any(i < len(pattern) for i in _after(pattern, objects))
