"""The JSON Schema of platform.yaml, generated from the pydantic models."""

from __future__ import annotations

from typing import Any


def json_schema() -> dict[str, Any]:
    """PlatformSpec's JSON Schema (draft 2020-12), for editors and other tools."""
    from litellm_cfn.spec import PlatformSpec

    document = PlatformSpec.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "litellm-cfn platform.yaml",
        **{key: value for key, value in document.items() if key != "title"},
    }
