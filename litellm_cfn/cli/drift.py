"""The drift command: detect drift on the root and every nested stack, exit 1 unless all
are in sync (like `cdk drift --fail`). The work is `litellm_cfn.deploy.drift`."""

from __future__ import annotations

from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    console,
    fleet_instance,
    output_option,
    platform_stacks,
    reports_errors,
    spec_argument,
    with_aws_options,
    with_fleet_target_options,
)
from litellm_cfn.deploy.aws import aws_errors
from litellm_cfn.deploy.drift import detect_drift
from litellm_cfn.deploy.flow import load_target, make_target
from litellm_cfn.errors import EXIT_FAILED


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn drift specs/platform.yaml\n"
    "  litellm-cfn drift specs/platform.yaml --output json\n"
    "  litellm-cfn drift specs/fleets/example.yaml --fleet-target 111111111111/us-east-1"
)
@spec_argument
@output_option
@with_aws_options
@with_fleet_target_options
@reports_errors
def drift(
    spec: Path,
    output: str,
    profile: str | None,
    region: str | None,
    fleet_target: str | None,
    stack_set: str | None,
) -> None:
    """Detect drift on the root and every nested stack: exit 0 in sync, 1 drifted or not
    known (a detection failed)."""
    instance = fleet_instance(spec, fleet_target, stack_set, profile)
    if instance is None:
        target = load_target(spec, profile, region, console(output), platform_stacks())
    else:
        target = make_target(
            instance.spec,
            spec,
            profile,
            instance.region,
            console(output),
            platform_stacks(),
            instance.root_stack,
        )
    with aws_errors(f"detect drift on {target.stack_name}"):
        report = detect_drift(target, output)
    if not report.in_sync:
        click.get_current_context().exit(EXIT_FAILED)
