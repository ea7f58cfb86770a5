"""The offline commands: `validate`, `build` and `schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from litellm_cfn.cli.group import cli
from litellm_cfn.cli.options import platform_stacks, reports_errors, spec_argument


@cli.command(epilog="\b\nExample:\n  litellm-cfn validate specs/dev.yaml")
@spec_argument
@reports_errors
def validate(spec: Path) -> None:
    """Check SPEC (default ./platform.yaml) and print its subnet plan and any warnings."""
    from litellm_cfn.spec import load_spec
    from litellm_cfn.spec.advice import advise
    from litellm_cfn.spec.report import addon_versions, subnet_table, summary

    loaded = load_spec(spec)
    click.echo(f"{spec}: valid: {summary(loaded.spec)}")
    click.echo()
    click.echo(subnet_table(loaded.spec))
    click.echo()
    click.echo(addon_versions(loaded, spec))
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
@click.option(
    "--no-lint-cache",
    is_flag=True,
    help="Lint every template again, neither reading nor writing the cache of findings.",
)
@reports_errors
def build(spec: Path, out: Path | None, no_lint: bool, no_lint_cache: bool) -> None:
    """Compile SPEC into a root template, nested templates and manifest.json, then lint them."""
    from litellm_cfn.compile.build import build as build_templates
    from litellm_cfn.compile.build import default_out
    from litellm_cfn.spec import load_spec
    from litellm_cfn.spec.advice import advise

    loaded = load_spec(spec)
    for warning in advise(loaded.spec, loaded.source):
        click.echo(str(warning), err=True)
    result = build_templates(
        loaded.spec,
        out or default_out(loaded.spec),
        lint=not no_lint,
        stacks=platform_stacks(),
        lint_cache=not no_lint_cache,
    )
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
@reports_errors
def schema() -> None:
    """Print the JSON Schema of platform.yaml (for editor completion and checking)."""
    from litellm_cfn.spec.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2), nl=True)
