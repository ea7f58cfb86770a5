"""Where a platform's files live in the artifacts bucket `bootstrap` makes, spelled once:
the packaged templates under `<name>-<environment>/`, content-addressed, and the catalog's
record of published versions beside them. The launch role may read exactly this prefix."""

from __future__ import annotations

from litellm_cfn.spec import PlatformSpec


def artifact_prefix(spec: PlatformSpec) -> str:
    """The key prefix of everything of `spec`'s platform: `<name>-<environment>`."""
    return spec.stack_name


def versions_key(spec: PlatformSpec) -> str:
    """The record of the catalog's published versions."""
    return f"{artifact_prefix(spec)}/catalog/versions.json"
