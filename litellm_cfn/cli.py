"""The `litellm-cfn` command: each subcommand parses its options and calls one function.

Exit codes: 0 ok, 1 failed (lint errors, quotas, a failed deploy), 2 bad input or usage,
3 stopped for approval, 130 stopped watching a deployment with Ctrl-C (the deployment goes on).
Errors are one message each, never a traceback (unless --debug).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from litellm_cfn import __version__
from litellm_cfn.errors import EXIT_FAILED, InputError, LitellmCfnError

if TYPE_CHECKING:
    from litellm_cfn.spec import PlatformSpec

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "platform.yaml"

_EXAMPLES = """
\b
Examples:
  litellm-cfn validate specs/platform.yaml     check a spec, print its subnet plan
  litellm-cfn build specs/platform.yaml        templates into templates_out/<name>-<env>/
  litellm-cfn build --out /tmp/t --no-lint     skip cfn-lint, write elsewhere
  litellm-cfn schema > platform.schema.json    JSON Schema for editors
  litellm-cfn outputs --format env             export lines of the deployed outputs
  litellm-cfn kube | kubectl apply -f -        manifests wiring the cluster to AWS

\b
Exit codes: 0 ok, 1 failed, 2 bad input or usage, 3 stopped for approval,
130 stopped watching a deployment (Ctrl-C; the deployment goes on).
"""

spec_argument = click.argument(
    "spec", default=DEFAULT_SPEC, required=False, type=click.Path(dir_okay=True, path_type=Path)
)


def _reports_errors(command: F) -> F:
    """The one error handler: a LitellmCfnError becomes its message and exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except LitellmCfnError as error:
            if debug:
                raise
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # click's own ends of a command (Abort: Ctrl-C or EOF at a prompt)
        except Exception as error:
            if debug:
                raise
            click.echo(
                f"internal error: {type(error).__name__}: {str(error)[:300]}\n"
                "this is a bug in litellm-cfn; rerun with --debug for the traceback and report it",
                err=True,
            )
            sys.exit(EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


@click.group(epilog=_EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="litellm-cfn")
@click.option("--debug", is_flag=True, help="Show the traceback of any error.")
def cli(debug: bool) -> None:
    """Compile one platform.yaml into the CloudFormation that runs LiteLLM on Amazon EKS."""


@cli.command(epilog="\b\nExample:\n  litellm-cfn validate specs/dev.yaml")
@spec_argument
@_reports_errors
def validate(spec: Path) -> None:
    """Check SPEC (default ./platform.yaml) and print its subnet plan and any warnings."""
    from litellm_cfn.spec import load_spec
    from litellm_cfn.spec.advice import advise
    from litellm_cfn.spec.report import subnet_table, summary

    loaded = load_spec(spec)
    click.echo(f"{spec}: valid: {summary(loaded.spec)}")
    click.echo()
    click.echo(subnet_table(loaded.spec))
    for warning in advise(loaded.spec, loaded.source):
        click.echo(str(warning), err=True)


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn build specs/platform.yaml\n"
    "  litellm-cfn build specs/dev.yaml --out build/dev --no-lint"
)
@spec_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: templates_out/<name>-<environment>). Replaced as a whole.",
)
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (faster; CI should lint).")
@_reports_errors
def build(spec: Path, out: Path | None, no_lint: bool) -> None:
    """Compile SPEC into a root template, nested templates and manifest.json, then lint them."""
    from litellm_cfn.compile.build import build as build_templates
    from litellm_cfn.compile.build import default_out
    from litellm_cfn.spec import load_spec
    from litellm_cfn.spec.advice import advise

    loaded = load_spec(spec)
    for warning in advise(loaded.spec, loaded.source):
        click.echo(str(warning), err=True)
    result = build_templates(loaded.spec, out or default_out(loaded.spec), lint=not no_lint)
    for finding in result.lint_warnings:
        click.echo(f"warning: {finding}", err=True)
    click.echo(f"{spec}: built {loaded.spec.stack_name} into {result.out}/")
    width = max(len(t.file) for t in result.templates)
    for template in result.templates:
        click.echo(
            f"  {template.file.ljust(width)}  {template.resources:>3} resources  "
            f"{len(template.text.encode()):>7,} bytes  sha256 {template.sha256[:12]}"
        )
    if result.linted:
        click.echo(f"cfn-lint: 0 errors, {len(result.lint_warnings)} warnings")
    else:
        click.echo("cfn-lint: skipped (--no-lint)")


aws_options = (
    click.option("--profile", help="AWS profile (default: the standard credential chain)."),
    click.option("--region", help="AWS region (default: the spec's region)."),
)


def _with_aws_options(command: F) -> F:
    for option in reversed(aws_options):
        command = option(command)
    return command


def _deployed_outputs(
    spec_path: Path, profile: str | None, region: str | None
) -> tuple[PlatformSpec, str, dict[str, str]]:
    """The spec, the region used and the deployed stack's outputs."""
    from litellm_cfn.deploy.aws import aws_errors, client
    from litellm_cfn.deploy.outputs import read_outputs
    from litellm_cfn.spec import load_spec

    spec = load_spec(spec_path).spec
    region = region or spec.region
    with aws_errors(f"read stack {spec.stack_name}"):
        outputs = read_outputs(client("cloudformation", region, profile), spec.stack_name)
    return spec, region, outputs


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn outputs specs/platform.yaml\n"
    '  eval "$(litellm-cfn outputs specs/platform.yaml --format env)"'
)
@spec_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "env"]),
    default="table",
    show_default=True,
    help="env prints export lines for eval.",
)
@_with_aws_options
@_reports_errors
def outputs(spec: Path, output_format: str, profile: str | None, region: str | None) -> None:
    """Print the deployed platform's outputs (root stack, completed from nested stacks)."""
    from litellm_cfn.deploy.outputs import as_env, as_json, as_table

    _, used_region, values = _deployed_outputs(spec, profile, region)
    if output_format == "json":
        click.echo(as_json(values))
    elif output_format == "env":
        click.echo(as_env(values, used_region))
    else:
        click.echo(as_table(values))


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn kube specs/platform.yaml --out k8s/\n"
    "  litellm-cfn outputs specs/platform.yaml --format json > outputs.json\n"
    "  litellm-cfn kube specs/platform.yaml --outputs outputs.json --out k8s/   # no AWS call"
)
@spec_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every file here (manifests and both charts' values) instead of printing "
    "the manifests.",
)
@click.option(
    "--outputs",
    "outputs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the platform's outputs from this JSON file (`outputs --format json`) "
    "instead of from CloudFormation.",
)
@_with_aws_options
@_reports_errors
def kube(
    spec: Path,
    out: Path | None,
    outputs_file: Path | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Render what installs LiteLLM's official chart on the platform: namespaces, its
    ServiceAccount, a secret store only its namespace may use, the ExternalSecrets, and
    values for the External Secrets and LiteLLM charts."""
    from litellm_cfn.kube import MANIFESTS, hand_off
    from litellm_cfn.kube.deployed import deployed, read_outputs_file

    if outputs_file is not None:
        from litellm_cfn.spec import load_spec

        loaded = load_spec(spec).spec
        values = read_outputs_file(outputs_file)
        used_region = region or loaded.region
    else:
        loaded, used_region, values = _deployed_outputs(spec, profile, region)
    try:
        platform = deployed(loaded, values, used_region)
    except LitellmCfnError as error:
        if outputs_file is None:
            raise
        raise InputError(f"{outputs_file}: {error}") from None
    files = hand_off(loaded, platform)
    if out is None:
        click.echo("---\n".join(files[name] for name in MANIFESTS), nl=False)
        click.echo("(the helm values files are written with --out DIR)", err=True)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{out}: cannot write: {error.strerror or error}") from None
    for name in files:
        click.echo(f"wrote {out / name}")


@cli.command(epilog="\b\nExample:\n  litellm-cfn schema > specs/platform.schema.json")
@_reports_errors
def schema() -> None:
    """Print the JSON Schema of platform.yaml (for editor completion and checking)."""
    from litellm_cfn.spec.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2), nl=True)


from litellm_cfn import cli_catalog, cli_deploy  # noqa: E402 (they register on the group above)

cli_deploy.register(cli, spec_argument, _with_aws_options, _reports_errors)
cli_catalog.register(cli, spec_argument, _with_aws_options, _reports_errors)


def main() -> None:
    """Console-script entry point, tuned for a short-lived process.

    Measured on `build --no-lint` (see bench/): discovering pydantic plugins scans every
    installed distribution's entry points, garbage collection runs many times while pydantic
    and troposphere import, and tearing the interpreter down frees every object one by one.
    Together they were a fifth of the run. None is needed: the spec models use no plugins,
    and the operating system reclaims a finished process's memory at once. Every command has
    returned, and closed its files, by the time the process exits.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.disable()
    try:
        cli(prog_name="litellm-cfn")
        code = 0
    except SystemExit as exit:
        code = _exit_code(exit.code)
    _flush_and_exit(code)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)
    return EXIT_FAILED


def _flush_and_exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        # The reader went away (`| head`) or the stream is closed: nothing left to keep.
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)
