"""The build pipeline: spec -> templates -> output folder -> lint, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from litellm_cfn.compile.compiler import CompiledPlatform, compile_platform
from litellm_cfn.compile.writer import (
    MANIFEST,
    RenderedTemplate,
    manifest,
    render,
    replacing,
    write_files,
)
from litellm_cfn.errors import BuildError, InputError
from litellm_cfn.spec import PlatformSpec
from nested_stacks import STACKS
from nested_stacks.base import StackModule

DEFAULT_OUT = Path("templates_out")


@dataclass(frozen=True)
class BuildResult:
    """What a successful build wrote, and cfn-lint's warnings (never errors) about it."""

    out: Path
    templates: list[RenderedTemplate]
    lint_warnings: list[str]
    linted: bool


def default_out(spec: PlatformSpec) -> Path:
    """`templates_out/<name>-<environment>`, so building several specs keeps each output."""
    return DEFAULT_OUT / spec.stack_name


def build(
    spec: PlatformSpec,
    out: Path,
    lint: bool = True,
    stacks: tuple[StackModule, ...] = STACKS,
    compiled: CompiledPlatform | None = None,
    lint_cache: bool = True,
    regions: Sequence[str] = (),
) -> BuildResult:
    """Compile `spec` into `out` (or write `compiled`, already compiled from it); on any
    failure `out` is left exactly as it was. `lint_cache=False` lints every template anew,
    neither reading nor writing the lint cache. cfn-lint checks the templates for each of
    `regions` (default: the spec's region), as a fleet deploys one template to several."""
    rendered = render(compiled or compile_platform(spec, stacks))
    files = {r.file: r.text for r in rendered} | {MANIFEST: manifest(spec.stack_name, rendered)}
    warnings: list[str] = []
    try:
        with replacing(out) as stage:
            write_files(stage, files)
            if lint:
                written = [r.file for r in rendered]
                for region in regions or (spec.region,):
                    found = _lint(stage, written, region, out, lint_cache)
                    warnings += [w for w in found if w not in warnings]
    except OSError as error:
        raise InputError(
            f"{out}: cannot write the build output: {error.strerror or error}"
        ) from None
    return BuildResult(out, rendered, warnings, lint)


def _lint(stage: Path, files: list[str], region: str, out: Path, cached: bool) -> list[str]:
    if cached:
        from litellm_cfn.compile.lint_cache import lint_cached as lint_templates
    else:
        from litellm_cfn.compile.lint import lint_templates

    findings = lint_templates(stage, files, region)
    errors = [str(f) for f in findings if f.is_error]
    if errors:
        raise BuildError(
            "\n".join(
                [
                    *errors,
                    f"cfn-lint found {len(errors)} error(s); {out} was left unchanged "
                    "(build with --no-lint to inspect the templates)",
                ]
            )
        )
    return [str(f) for f in findings]
