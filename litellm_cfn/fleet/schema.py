"""The JSON Schema of fleet.yaml, generated from the pydantic models."""

from __future__ import annotations

from typing import Any


def fleet_schema() -> dict[str, Any]:
    """FleetSpec's JSON Schema (draft 2020-12), for editors and other tools."""
    from litellm_cfn.fleet.model import FleetSpec

    document = FleetSpec.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "litellm-cfn fleet.yaml",
        **{key: value for key, value in document.items() if key != "title"},
    }
