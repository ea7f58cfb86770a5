"""What every command shares: the SPEC argument, the AWS options, and the one error
handler at the CLI edge (a LitellmCfnError becomes its message and exit code)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from litellm_cfn.errors import (
    DISK_FULL,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    InputError,
    LitellmCfnError,
    Terminated,
    cannot_write,
)

if TYPE_CHECKING:
    from litellm_cfn.deploy.console import Console
    from litellm_cfn.fleet.address import FleetInstance
    from nested_stacks.base import StackModule

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SPEC = "platform.yaml"


@dataclass(frozen=True)
class Platform:
    """What the commands compile: every nested stack unless `stacks` names fewer. Passed as
    click's context object (`CliRunner.invoke(cli, args, obj=Platform(stacks))`): the seam
    tests and benchmarks use to deploy a platform of the VPC stack alone."""

    stacks: tuple[StackModule, ...] | None = None


def platform_stacks() -> tuple[StackModule, ...]:
    """The stack modules of the context's Platform, by default every nested stack."""
    platform = click.get_current_context().find_root().obj
    if isinstance(platform, Platform) and platform.stacks is not None:
        return platform.stacks
    from nested_stacks import STACKS

    return STACKS


def console(output: str = "text") -> Console:
    """The Console a flow talks through: click's echo, confirm and prompt; progress on
    stderr when stdout carries JSON; colour only on a terminal and without NO_COLOR."""
    from litellm_cfn.deploy.console import Console

    def to_stderr(line: str) -> None:
        click.echo(line, err=True)

    return Console(
        result=click.echo,
        progress=to_stderr if output == "json" else click.echo,
        warn=to_stderr,
        confirm=lambda question: _answer(lambda: click.confirm(question, default=False), False),
        prompt=lambda question: str(_answer(lambda: click.prompt(question), "")),
        interactive=sys.stdin.isatty,
        colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
    )


def _answer(ask: Callable[[], Any], at_end_of_input: Any) -> Any:
    """A person's answer. click ends a prompt with Abort both for Ctrl-C and for the end of
    input; Ctrl-C is an interruption (the flow cleans up, exit 130), the end of input no."""
    try:
        return ask()
    except click.exceptions.Abort as abort:
        if isinstance(abort.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        return at_end_of_input


spec_argument = click.argument(
    "spec", default=DEFAULT_SPEC, required=False, type=click.Path(dir_okay=True, path_type=Path)
)


def reports_errors(command: F) -> F:
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
        except KeyboardInterrupt as interruption:
            if debug:
                raise
            if isinstance(interruption, Terminated):  # SIGTERM
                click.echo(str(interruption), err=True)
                sys.exit(interruption.exit_code)
            click.echo("\ninterrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): click ends quietly
        except OSError as error:
            if debug or error.errno not in DISK_FULL:
                raise
            click.echo(cannot_write(error), err=True)
            sys.exit(EXIT_FAILED)
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


output_option = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print: text, or JSON on stdout with the progress on stderr.",
)
bucket_option = click.option(
    "--artifact-bucket",
    help="Bucket for packaged templates (default: the bootstrap stack's, in the region).",
)


aws_options = (
    click.option("--profile", help="AWS profile (default: the standard credential chain)."),
    click.option("--region", help="AWS region (default: the spec's region)."),
)


def with_aws_options(command: F) -> F:
    for option in reversed(aws_options):
        command = option(command)
    return command


fleet_target_options = (
    click.option(
        "--fleet-target",
        metavar="ACCOUNT/REGION",
        help="SPEC is a fleet file: address the platform it runs in this account and region "
        "(with that account's credentials: --profile).",
    ),
    click.option("--stack-set", help="With --fleet-target: the stack set, when several run there."),
)


def with_fleet_target_options(command: F) -> F:
    for option in reversed(fleet_target_options):
        command = option(command)
    return command


def fleet_instance(
    path: Path,
    fleet_target: str | None,
    stack_set: str | None,
    profile: str | None,
    offline: bool = False,
) -> FleetInstance | None:
    """The fleet target `--fleet-target` addresses in the fleet file `path`, or None;
    `offline`, without looking for its root stack."""
    if fleet_target is None:
        if stack_set is not None:
            raise InputError("--stack-set goes with --fleet-target")
        return None
    if click.get_current_context().params.get("region"):
        raise InputError("--region: with --fleet-target, the region is the target's")
    from litellm_cfn.fleet.address import locate

    return locate(path, fleet_target, stack_set, profile, console().warn, offline)
