"""What `fleet diff` and `fleet deploy` do, as plain functions over a Rollout: the CLI parses
the options, loads the rollout and calls one of these."""

from __future__ import annotations

from litellm_cfn.deploy.approval import approve_or_stop
from litellm_cfn.deploy.aws import aws_errors
from litellm_cfn.fleet.flow import Prepared, Rollout, prepare, refuse_unallowed


def diff(rollout: Rollout, bucket: str | None, output: str) -> Prepared:
    """Show what `fleet deploy` would do, changing nothing but the packaged templates."""
    with aws_errors(f"diff the fleet {rollout.loaded.path}"):
        prepared = prepare(rollout, bucket)
    _show(rollout, prepared, output)
    return prepared


def deploy(
    rollout: Rollout,
    bucket: str | None,
    output: str,
    allow_replace: tuple[str, ...],
    allow_remove: tuple[str, ...],
    yes: bool,
) -> None:
    """Show the rollout, refuse data at risk and removals nobody named, ask (unless `yes`),
    then run the waves in order."""
    from litellm_cfn.fleet.waves import run_plan

    prepared = diff(rollout, bucket, output)
    if prepared.plan.empty:
        return
    refuse_unallowed(prepared, allow_replace, allow_remove)
    if not yes:
        approve_or_stop(
            rollout.console,
            "Roll this out?",
            f"run `litellm-cfn fleet deploy {rollout.loaded.path} --yes` to roll it out",
        )
    with aws_errors(f"roll out the fleet {rollout.loaded.path}"):
        run_plan(rollout, prepared)


def _show(rollout: Rollout, prepared: Prepared, output: str) -> None:
    from litellm_cfn.fleet.report import render_json, render_text

    if output == "json":
        rollout.console.result(render_json(prepared))
    else:
        rollout.console.result(render_text(rollout, prepared, rollout.console.colour))
