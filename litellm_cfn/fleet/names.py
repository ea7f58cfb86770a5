"""Physical names the templates write, and those two stack instances of a fleet would share."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from itertools import combinations, product
from typing import Any

PARTITION, ACCOUNT, REGION = "partition", "account", "region"

# (resource type, name property) -> where the name must be unique. Unnamed resources are left
# out on purpose: CloudFormation names them `<stack>-<logical id>-<random>`, never twice.
SCOPES: Mapping[tuple[str, str], str] = {
    # Unique across every account and Region of a partition:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/gpbucketnamespaces.html
    ("AWS::S3::Bucket", "BucketName"): PARTITION,
    # IAM is global to the account: user, group, role, policy and instance profile names are
    # unique in it, whatever the Region and the case:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    ("AWS::IAM::Role", "RoleName"): ACCOUNT,
    ("AWS::IAM::InstanceProfile", "InstanceProfileName"): ACCOUNT,
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"): ACCOUNT,
    ("AWS::IAM::User", "UserName"): ACCOUNT,
    ("AWS::IAM::Group", "GroupName"): ACCOUNT,
    ("AWS::IAM::OIDCProvider", "Url"): ACCOUNT,  # one provider per issuer URL
    ("AWS::EKS::Cluster", "Name"): REGION,
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"): REGION,
    ("AWS::RDS::DBCluster", "DBClusterIdentifier"): REGION,
    ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupName"): REGION,
    ("AWS::RDS::DBParameterGroup", "DBParameterGroupName"): REGION,
    ("AWS::RDS::DBClusterParameterGroup", "DBClusterParameterGroupName"): REGION,
    ("AWS::SecretsManager::Secret", "Name"): REGION,
    ("AWS::Logs::LogGroup", "LogGroupName"): REGION,
    ("AWS::KMS::Alias", "AliasName"): REGION,
    # (An AWS::ElastiCache::ParameterGroup's name is read-only: ElastiCache makes it up.)
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"): REGION,
    ("AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName"): REGION,
    ("AWS::ElastiCache::ServerlessCache", "ServerlessCacheName"): REGION,
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateName"): REGION,
    ("AWS::SSM::Parameter", "Name"): REGION,
}

# Properties our templates write whose names look like a name's but that are not a name of
# their own to keep unique (tests/fleet/test_names.py fails on any left unclassified).
NOT_NAMES: Set[tuple[str, str]] = {
    ("AWS::CloudFormation::Stack", "TemplateURL"),  # the nested template's file
    ("AWS::EKS::Addon", "AddonName"),  # the add-on's kind (vpc-cni), one per cluster
    ("AWS::RDS::DBInstance", "DBName"),  # a database inside the instance
    # Other stacks' resources, passed in as parameters: unique where they are made.
    ("AWS::EKS::AccessEntry", "ClusterName"),
    ("AWS::EC2::Instance", "ImageId"),
    ("AWS::EC2::SecurityGroup", "VpcId"),
    ("AWS::EC2::SecurityGroupIngress", "GroupId"),
}

_PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"}
# StackSets make one stack per instance (stacksets-concepts.html, linked below), named
# `StackSet-<stack set name>-<uuid>` as the error in
# https://github.com/aws-samples/aws-control-tower-config-customization/issues/36 shows; a
# nested stack's name adds to its parent's: a name with either is unique per stack instance.
_PER_INSTANCE = {"AWS::StackName", "AWS::StackId"}
# Attributes AWS makes unique per resource: an EKS cluster's issuer URL ends in an id EKS
# generates: https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
_UNIQUE_ATTRIBUTES = {("AWS::EKS::Cluster", "OpenIdConnectIssuerUrl")}
_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
# Partitions share no account and no bucket namespace (the S3 page above lists them).
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("eusc-", "aws-eusc"))


@dataclass(frozen=True)
class NamedResource:
    """One physical name a template writes, and where it must be unique."""

    file: str
    logical_id: str
    resource_type: str
    property: str
    name: str  # a literal, or Fn::Sub/Fn::Join rendered with each reference kept as ${...}
    scope: str  # PARTITION, ACCOUNT or REGION
    per_region: bool  # has ${AWS::Region}: the same name in two Regions is two names
    per_account: bool  # has ${AWS::AccountId}
    per_instance: bool  # has ${AWS::StackName} or an attribute AWS makes unique: never twice
    known: bool  # every ${...} is a pseudo parameter: known once the place is


def _render(value: Any) -> str | None:
    """A name value as text, references kept as ${...}; None for AWS::NoValue (no name)."""
    match value:
        case str(text) | {"Fn::Sub": str(text)}:
            return text
        case {"Ref": "AWS::NoValue"}:
            return None
        case {"Ref": str(name)} | {"Fn::GetAtt": str(name)}:
            return f"${{{name}}}"
        case {"Fn::GetAtt": [str(resource), str(attribute)]}:
            return f"${{{resource}.{attribute}}}"
        case {"Fn::Sub": [str(text), dict(given)]}:
            return _VARIABLE.sub(lambda m: _render(given.get(m[1], m[0])) or "", text)
        case {"Fn::Join": [str(separator), list(parts)]}:
            return separator.join(_render(part) or "" for part in parts)
        case dict() if len(value) == 1:  # Fn::If, Fn::Select...: not provable, kept in sight
            return "${" + next(iter(value)) + "}"
    return "${?}"


def _named(file: str, resources: Mapping[str, Any]) -> Iterator[NamedResource]:
    """The names a template's resources write."""
    for logical_id, resource in resources.items():
        for prop, value in (resource.get("Properties") or {}).items():
            scope = SCOPES.get((resource.get("Type"), prop))
            name = _render(value) if scope else None
            if scope is None or name is None:
                continue
            variables = set(_VARIABLE.findall(name))
            unique = any(
                (resources.get(ref, {}).get("Type"), attribute) in _UNIQUE_ATTRIBUTES
                for ref, _, attribute in (v.partition(".") for v in variables)
            )
            yield NamedResource(
                file, logical_id, resource["Type"], prop, name, scope,
                per_region="AWS::Region" in variables,
                per_account="AWS::AccountId" in variables,
                per_instance=unique or bool(variables & _PER_INSTANCE),
                known=variables <= _PSEUDO | _PER_INSTANCE,
            )  # fmt: skip


def named_resources(templates: Mapping[str, dict[str, Any]]) -> list[NamedResource]:
    """Every physical name the templates write, with the scope it must be unique in."""
    found = (n for file, t in templates.items() for n in _named(file, t.get("Resources") or {}))
    return sorted(found, key=lambda n: (n.file, n.logical_id, n.property))


@dataclass(frozen=True)
class Placement:
    """Where one variant is deployed: a fleet target's name, its templates, its places."""

    target: str
    templates: Mapping[str, dict[str, Any]]
    accounts: tuple[str, ...]
    organizational_units: tuple[str, ...]
    regions: tuple[str, ...]
    stack_set: str | None = None  # targets of one stack set share its instances; None: its own


@dataclass(frozen=True)
class Collision:
    """A name two stack instances of the fleet would both claim."""

    targets: tuple[str, ...]  # the target(s) involved, in the order given
    message: str


_UNIQUE_IN = {PARTITION: "partition", ACCOUNT: "account", REGION: "account and Region"}
_NO, _MAY, _YES = 0, 1, 2  # may two stack instances claim one name (or share an account)?


@dataclass(frozen=True)
class _Place:
    """One account or OU in one Region: one stack instance (an OU: one per its account)."""

    slot: str
    ou: bool
    region: str
    twin: bool = False  # another account of the same OU: an OU stands for several

    def __str__(self) -> str:
        return f"{'OU' if self.ou else 'account'} {self.slot} {self.region}"

    @property
    def partition(self) -> str:
        return next((n for prefix, n in _PARTITIONS if self.region.startswith(prefix)), "aws")


def _places(placement: Placement) -> list[_Place]:
    """The stack instances StackSets makes for a target: its accounts x its Regions."""
    slots = [(a, False) for a in placement.accounts]
    slots += [(ou, True) for ou in placement.organizational_units]
    return [_Place(slot, ou, region) for (slot, ou), region in product(slots, placement.regions)]


def _accounts(same_set: bool, p: _Place, q: _Place) -> int:
    """Whether the stack instances at p and q may be in one account."""
    # A stack set has at most one instance per account and Region:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html
    if same_set and p.region == q.region:
        return _NO
    if (p.slot, p.ou) == (q.slot, q.ou):
        return _YES
    # An OU's accounts are unknown here, and OUs nest or hold accounts named elsewhere.
    return _MAY if p.ou or q.ou else _NO


def _claim(a: NamedResource, b: NamedResource, p: _Place, q: _Place, same: bool) -> int:
    """Whether name a at p and name b at q may be one name (same: of one stack set)."""
    if a.per_instance or b.per_instance or p.partition != q.partition or (same and p == q):
        return _NO  # p == q in one stack set: one stack instance
    # A name we cannot resolve is taken as equal to any other of its kind: never proven.
    if a.known and b.known and _instance_name(a, p.region) != _instance_name(b, q.region):
        return _NO
    if (a.scope == REGION or (a.per_region and b.per_region)) and p.region != q.region:
        return _NO
    if a.scope != PARTITION or (a.per_account and b.per_account):
        return _accounts(same, p, q)
    return _MAY if q.twin else _YES


def _instance_name(named: NamedResource, region: str = "${AWS::Region}") -> str:
    """The name a stack instance in `region` claims: IAM's in one case, ${AWS::AccountId} kept."""
    name = named.name.replace("${AWS::Region}", region)
    return name.casefold() if named.resource_type.startswith("AWS::IAM::") else name


def _kin(a: NamedResource, b: NamedResource) -> bool:
    """Whether two names are of one kind and may be one somewhere: a cheap first test."""
    if (a.resource_type, a.property) != (b.resource_type, b.property):
        return False
    exact = a.known and b.known and a.per_region == b.per_region
    return not exact or _instance_name(a) == _instance_name(b)


def _meetings(placements: Sequence[Placement]) -> Iterator[tuple[int, int, list[Any]]]:
    """Each pair of targets, each target with itself too, and the places they would meet in."""
    places = [_places(p) for p in placements]
    for i, j in combinations(range(len(places)), 2):
        yield i, j, list(product(places[i], places[j]))
    for i, own in enumerate(places):  # two of its places, or an OU with itself
        yield i, i, list(combinations(own, 2)) + [(p, replace(p, twin=True)) for p in own if p.ou]


def collisions(placements: Sequence[Placement]) -> list[Collision]:
    """Every name two deployments would both claim, for the fleet as declared."""
    names = [named_resources(p.templates) for p in placements]
    found: dict[tuple[int, int, str, str, str], _Found] = {}
    for i, j, meetings in _meetings(placements):
        targets = tuple(placements[k].target for k in sorted({i, j}))
        mine = placements[i].stack_set
        same = i == j or (mine is not None and mine == placements[j].stack_set)
        # A stack set's names against themselves (its other instances), or others' of a kind.
        pairs = [(a, a) for a in names[i]] if same else product(names[i], names[j])
        for a, b in (pair for pair in pairs if _kin(*pair)):
            for p, q in meetings:
                share = _claim(a, b, p, q, same)
                if share:
                    key = (i, j, a.resource_type, a.property, a.name)
                    found.setdefault(key, _Found(a, targets, same)).add(b, p, q, share)
    return [record.collision() for _, record in sorted(found.items(), key=lambda kv: kv[0])]


class _Found:
    """What one name's collision between two targets gathered: the resources and places."""

    def __init__(self, named: NamedResource, targets: tuple[str, ...], same: bool) -> None:
        self.named, self.targets, self.same = named, targets, same  # named: as first written
        self.resources = {f"{targets[0]} {named.file}/{named.logical_id}": None}  # ordered set
        self.places: dict[str, None] = {}
        self.across_accounts = self.across_regions = False

    def add(self, b: NamedResource, p: _Place, q: _Place, share: int) -> None:
        """One more pair of stack instances that would claim the name."""
        self.resources[f"{self.targets[-1]} {b.file}/{b.logical_id}"] = None
        self.places[_describe(p, q, share)] = None
        by_account = self.named.scope == PARTITION and not self.named.per_account
        self.across_accounts |= by_account and (p.slot != q.slot or q.twin)
        self.across_regions |= p.region != q.region

    def collision(self) -> Collision:
        """The collision, in one line: the name, the resources, where, and how to fix it."""
        named, places = self.named, list(self.places)
        where = "; ".join(places[:3]) + (f"; and {len(places) - 3} more" if places[3:] else "")
        who = " and ".join(self.resources)
        who = who if len(self.resources) > 1 else f"two stack instances of {who}"
        unknown = "" if named.known else " (not known before deploy, so not proven unique)"
        return Collision(
            self.targets,
            f"{named.resource_type} {named.property} `{named.name}`{unknown} must be unique "
            f"per {_UNIQUE_IN[named.scope]}, but {who} would both claim it in {where}: "
            f"{self._fix()}",
        )

    def _fix(self) -> str:
        if self.same:  # overlays cannot part a stack set from itself: its name must vary
            varying = ["${AWS::AccountId}"] * self.across_accounts
            varying += ["${AWS::Region}"] * self.across_regions
            return f"put {' and '.join(varying)} in the name in its nested stack"
        name, kind = self.named.name, self.named.resource_type
        cluster = kind == "AWS::EKS::Cluster" or name.startswith("/aws/eks/")
        return f"overlay {'`eks.cluster_name`' if cluster else '`environment`'} in one target"


def _describe(p: _Place, q: _Place, share: int) -> str:
    """Where two stack instances meet, in words."""
    if q.twin:
        return f"{p} (an OU may hold several accounts)"
    if (p.slot, p.ou) == (q.slot, q.ou):
        return f"{p} and {q.region}" if p.region != q.region else str(p)
    return f"{p} and {q}" + (" (may share accounts)" if share == _MAY else "")
