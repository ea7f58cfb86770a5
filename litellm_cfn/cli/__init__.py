"""The command line, click only: the group (`group`), what commands share (`options`), one
module per command family, and the entry point (`main`). Importing the package registers
every command on the group."""

from litellm_cfn.cli import build, catalog, deploy, drift, fleet, handoff, lock  # noqa: F401 (register)
from litellm_cfn.cli.group import cli
from litellm_cfn.cli.main import main

__all__ = ["cli", "main"]
