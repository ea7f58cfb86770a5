"""The `litellm-cfn` group: its help, its examples and `--debug`."""

from __future__ import annotations

import click

from litellm_cfn import __version__

_EXAMPLES = """
\b
Examples:
  litellm-cfn validate specs/platform.yaml     check a spec, print its subnet plan
  litellm-cfn build specs/platform.yaml        templates into templates_out/<name>-<env>/
  litellm-cfn build --out /tmp/t --no-lint     skip cfn-lint, write elsewhere
  litellm-cfn schema > platform.schema.json    JSON Schema for editors
  litellm-cfn outputs --format env             export lines of the deployed outputs
  litellm-cfn kube --out k8s/                  what installs LiteLLM on the cluster
  litellm-cfn drift specs/platform.yaml        drift of every stack, nested ones too

\b
Exit codes: 0 ok, 1 failed (AWS's or the endpoint's failure included),
2 bad input or usage, 3 stopped for approval, 130 interrupted (Ctrl-C;
a deployment being watched goes on), 143 ended by SIGTERM.
"""


@click.group(epilog=_EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="litellm-cfn")
@click.option("--debug", is_flag=True, help="Show the traceback of any error.")
def cli(debug: bool) -> None:
    """Compile one platform.yaml into the CloudFormation that runs LiteLLM on Amazon EKS."""
