"""Publishing: package the platform, add the version to the catalog stack, deploy that stack
through the same reviewed change-set flow, then the few things only the API can do.

Published versions are recorded next to the templates (`<stack>/catalog/versions.json` in the
artifacts bucket, itself versioned): the product's template must list every version, since
CloudFormation removes provisioning artifacts a product no longer lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from litellm_cfn.catalog.template import PublishedVersion, catalog_stack_name, catalog_template
from litellm_cfn.compile.artifacts import versions_key
from litellm_cfn.compile.compiler import CompiledPlatform
from litellm_cfn.compile.launch_role import LAUNCH_ROLE_FILE, TEMPLATES_BUCKET
from litellm_cfn.deploy.aws import not_found
from litellm_cfn.errors import InputError, LitellmCfnError
from litellm_cfn.spec import PlatformSpec
from litellm_cfn.text import columns

VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def check_version_name(version: str) -> str:
    """The version, or an InputError if Service Catalog would reject it as an artifact name."""
    if not VERSION_NAME.fullmatch(version):
        raise InputError(
            f"--version {version[:40]!r}: a version is 1 to 100 letters, digits, '.', '_', '+' "
            "or '-', starting with a letter or digit"
        )
    return version


def state_key(spec: PlatformSpec) -> str:
    """Where the published versions are recorded in the artifacts bucket."""
    return versions_key(spec)


def read_versions(s3: Any, bucket: str, key: str) -> list[PublishedVersion]:
    """Every version published so far (none before the first publish)."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if not_found(error):
            return []
        raise
    return [PublishedVersion(**entry) for entry in json.loads(body)["versions"]]


def write_versions(s3: Any, bucket: str, key: str, versions: list[PublishedVersion]) -> None:
    """Record the published versions."""
    body = json.dumps({"versions": [asdict(v) for v in versions]}, indent=2) + "\n"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/json")


def plan_versions(
    existing: list[PublishedVersion], version: str, sha256: str, url: str
) -> tuple[list[PublishedVersion], bool]:
    """The versions after publishing (and whether anything changed).

    Publishing the same template under the same name again changes nothing; a different
    template under a name already published is refused, since launched products refer to it.
    """
    for published in existing:
        if published.name == version:
            if published.sha256 == sha256:
                return existing, False
            raise InputError(
                f"version {version} is already published with template sha256:"
                f"{published.sha256[:12]}...; this build is sha256:{sha256[:12]}... "
                "Publish it under a new version name."
            )
    return [*existing, PublishedVersion(version, sha256, url)], True


def catalog_body(
    spec: PlatformSpec, versions: list[PublishedVersion], compiled: CompiledPlatform
) -> str:
    """The catalog stack's template as YAML, around the launch role's template `build` wrote."""
    from litellm_cfn.compile.render import to_yaml

    if spec.catalog is None:
        raise InputError("the spec has no catalog section: add one to publish")
    launch_role = compiled.companions.get(LAUNCH_ROLE_FILE)
    return to_yaml(catalog_template(spec, spec.catalog, versions, launch_role).to_dict())


def catalog_parameters(compiled: CompiledPlatform, bucket: str) -> dict[str, str]:
    """The catalog stack's parameters: where its launch role reads the nested templates."""
    return {TEMPLATES_BUCKET: bucket} if LAUNCH_ROLE_FILE in compiled.companions else {}


def catalog_ids(cloudformation: Any, spec: PlatformSpec) -> tuple[str, str]:
    """(portfolio id, product id) of the deployed catalog stack."""
    from botocore.exceptions import ClientError

    stack = catalog_stack_name(spec)
    try:
        ids = [
            cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=logical)[
                "StackResourceDetail"
            ]["PhysicalResourceId"]
            for logical in ("Portfolio", "Product")
        ]
    except ClientError:
        raise LitellmCfnError(
            f"no catalog for {spec.stack_name}: publish a version first (stack {stack})"
        ) from None
    return ids[0], ids[1]


def share_with_organizational_units(servicecatalog: Any, portfolio: str, units: list[str]) -> None:
    """Share the portfolio with organizational units: CloudFormation's PortfolioShare takes
    account ids only, so this one step goes through the API."""
    shared = {
        share.get("PrincipalId")
        for share in servicecatalog.describe_portfolio_shares(
            PortfolioId=portfolio, Type="ORGANIZATIONAL_UNIT"
        ).get("PortfolioShareDetails", [])
    }
    for unit in units:
        if unit not in shared:
            servicecatalog.create_portfolio_share(
                PortfolioId=portfolio,
                OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": unit},
            )


def deprecate_previous(servicecatalog: Any, product: str, current: str) -> list[str]:
    """Mark every other version deprecated (kept, but no longer offered for new launches);
    CloudFormation has no property for an artifact's guidance, so this uses the API."""
    deprecated = []
    for artifact in servicecatalog.list_provisioning_artifacts(ProductId=product)[
        "ProvisioningArtifactDetails"
    ]:
        if artifact.get("Name") != current and artifact.get("Guidance") != "DEPRECATED":
            servicecatalog.update_provisioning_artifact(
                ProductId=product, ProvisioningArtifactId=artifact["Id"], Guidance="DEPRECATED"
            )
            deprecated.append(str(artifact.get("Name")))
    return deprecated


def unreadable_by(s3: Any, bucket: str, spec: PlatformSpec) -> list[str]:
    """Share targets whose CloudFormation could not read the packaged templates."""
    from botocore.exceptions import ClientError

    if spec.catalog is None or not spec.catalog.share_with:
        return []
    try:
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError:
        policy = ""
    organization = spec.catalog.organization_id
    return [
        target
        for target in spec.catalog.share_with
        if not (target.isdigit() and target in policy)
        and not (organization and organization in policy)
    ]


def versions_table(artifacts: list[dict[str, Any]]) -> str:
    """The product's versions: name, active, guidance, template hash, creation time."""
    header = ("Version", "Active", "Guidance", "Template", "Created")
    rows = [
        (
            str(a.get("Name", "")),
            "yes" if a.get("Active", True) else "no",
            str(a.get("Guidance", "DEFAULT")),
            str(a.get("Description", "")),
            str(a.get("CreatedTime", ""))[:19],
        )
        for a in artifacts
    ]
    return "\n".join(columns([header, *rows]))
