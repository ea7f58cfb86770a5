"""`moto_server` with one fix, for the deploy tests: `python -m tests.moto_server -p PORT`, or
`python -m tests.moto_server --port-file PATH` on a loopback port the kernel picks, written to
PATH once the server listens (tests/aws.py: no other process can take the port in between).

moto 5.2's CloudFormation handler for AWS::KMS::Key passes the template's tags as
{Key, Value} to KMS's tagging service, which expects {TagKey, TagValue} (KMS's own API
shape), and answers HTTP 500. Every key of the platform carries the platform tag, so the
tags are translated here before moto creates the key; nothing else of moto is touched.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

from moto.kms.models import Key
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app, main
from werkzeug.serving import make_server

_create_key = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _with_kms_tags(cls: type, name: str, template: Any, *args: Any, **kwargs: Any) -> Any:
    template = copy.deepcopy(template)
    properties = template.get("Properties", {})
    properties["Tags"] = [
        {"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])
    ]
    return _create_key(cls, name, template, *args, **kwargs)


Key.create_from_cloudformation_json = classmethod(_with_kms_tags)  # type: ignore[method-assign]


def serve_on_a_free_port(port_file: Path) -> None:
    """Serve moto as `moto_server` does, on a loopback port the kernel picks, and write that
    port to `port_file` once the server listens."""
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    os.environ["MOTO_PORT"] = str(server.port)  # what moto_server sets for its own -p
    staged = port_file.with_suffix(".tmp")
    staged.write_text(str(server.port))
    staged.replace(port_file)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--port-file"]:
        serve_on_a_free_port(Path(sys.argv[2]))
    else:
        main()
