"""The `litellm-cfn` command: each subcommand parses its options and calls one function.

Exit codes: 0 ok, 1 failed (lint errors, quotas, a failed deploy), 2 bad input or usage,
3 stopped for approval. Errors are one message each, never a traceback (unless --debug).
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
from typing import Any, NoReturn, TypeVar

import click

from litellm_cfn import __version__
from litellm_cfn.errors import EXIT_FAILED, LitellmCfnError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "platform.yaml"

_EXAMPLES = """
\b
Examples:
  litellm-cfn validate specs/platform.yaml     check a spec, print its subnet plan
  litellm-cfn build specs/platform.yaml        templates into templates_out/<name>-<env>/
  litellm-cfn build --out /tmp/t --no-lint     skip cfn-lint, write elsewhere
  litellm-cfn schema > platform.schema.json    JSON Schema for editors

\b
Exit codes: 0 ok, 1 failed, 2 bad input or usage, 3 stopped for approval.
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
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
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
    from litellm_cfn.advice import advise
    from litellm_cfn.report import subnet_table, summary
    from litellm_cfn.spec import load_spec

    loaded = load_spec(spec, str(spec))
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
    from litellm_cfn.advice import advise
    from litellm_cfn.build import build as build_templates
    from litellm_cfn.build import default_out
    from litellm_cfn.spec import load_spec

    loaded = load_spec(spec, str(spec))
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


@cli.command(epilog="\b\nExample:\n  litellm-cfn schema > specs/platform.schema.json")
@_reports_errors
def schema() -> None:
    """Print the JSON Schema of platform.yaml (for editor completion and checking)."""
    from litellm_cfn.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2), nl=True)


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
