"""The hand-off commands: `outputs` and `kube`."""

from __future__ import annotations

from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import (
    console,
    fleet_instance,
    reports_errors,
    spec_argument,
    with_aws_options,
    with_fleet_target_options,
)


@cli.command(
    epilog="\b\nExamples:\n  litellm-cfn outputs specs/platform.yaml\n"
    '  eval "$(litellm-cfn outputs specs/platform.yaml --format env)"\n'
    "  litellm-cfn outputs specs/fleets/example.yaml --fleet-target 222222222222/eu-west-1"
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
@with_aws_options
@with_fleet_target_options
@reports_errors
def outputs(
    spec: Path,
    output_format: str,
    profile: str | None,
    region: str | None,
    fleet_target: str | None,
    stack_set: str | None,
) -> None:
    """Print the deployed platform's outputs (root stack, completed from nested stacks)."""
    from litellm_cfn.deploy.outputs import as_env, as_json, as_table, deployed_outputs
    from litellm_cfn.spec import load_spec

    instance = fleet_instance(spec, fleet_target, stack_set, profile)
    used_region, values = deployed_outputs(
        instance.spec if instance else load_spec(spec).spec,
        str(spec),
        profile,
        instance.region if instance else region,
        console().warn,
        instance.root_stack if instance else None,
    )
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
    "the manifests. Replaced as a whole, and only if empty or an earlier kube output.",
)
@click.option(
    "--outputs",
    "outputs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the platform's outputs from this JSON file (`outputs --format json`) "
    "instead of from CloudFormation.",
)
@with_aws_options
@with_fleet_target_options
@reports_errors
def kube(
    spec: Path,
    out: Path | None,
    outputs_file: Path | None,
    profile: str | None,
    region: str | None,
    fleet_target: str | None,
    stack_set: str | None,
) -> None:
    """Render what installs LiteLLM's official chart on the platform: namespaces, its
    ServiceAccount, a secret store only its namespace may use, the ExternalSecrets, and
    values for the External Secrets and LiteLLM charts."""
    from litellm_cfn.kube import MANIFESTS, hand_off, write_files
    from litellm_cfn.kube.deployed import deployed, deployed_from_file
    from litellm_cfn.spec import load_spec

    instance = fleet_instance(spec, fleet_target, stack_set, profile, outputs_file is not None)
    loaded = instance.spec if instance else load_spec(spec).spec
    region = instance.region if instance else region
    if outputs_file is not None:
        platform = deployed_from_file(loaded, outputs_file, region or loaded.region)
    else:
        from litellm_cfn.deploy.outputs import deployed_outputs

        root = instance.root_stack if instance else None
        used_region, values = deployed_outputs(
            loaded, str(spec), profile, region, console().warn, root
        )
        platform = deployed(loaded, values, used_region)
    files = hand_off(loaded, platform)
    if out is None:
        click.echo("---\n".join(files[name] for name in MANIFESTS), nl=False)
        click.echo("(the helm values files are written with --out DIR)", err=True)
        return
    for path in write_files(out, loaded.stack_name, files):
        click.echo(f"wrote {path}")
