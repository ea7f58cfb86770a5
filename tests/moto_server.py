"""`moto_server` with one fix, for the deploy tests: `python -m tests.moto_server -p PORT`.

moto 5.2's CloudFormation handler for AWS::KMS::Key passes the template's tags as
{Key, Value} to KMS's tagging service, which expects {TagKey, TagValue} (KMS's own API
shape), and answers HTTP 500. Every key of the platform carries the platform tag, so the
tags are translated here before moto creates the key; nothing else of moto is touched.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.kms.models import Key
from moto.server import main

_create_key = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _with_kms_tags(cls: type, name: str, template: Any, *args: Any, **kwargs: Any) -> Any:
    template = copy.deepcopy(template)
    properties = template.get("Properties", {})
    properties["Tags"] = [
        {"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])
    ]
    return _create_key(cls, name, template, *args, **kwargs)


Key.create_from_cloudformation_json = classmethod(_with_kms_tags)  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
