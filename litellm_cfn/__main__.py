"""Allow `python -m litellm_cfn`."""

from __future__ import annotations

from litellm_cfn.cli import main

main()
