"""Benchmark the fleet commands: whole-process wall-clock time, and the AWS API calls they make.

Three commands are timed as separate processes, interleaved round-robin so machine noise hits
them alike, on `specs/fleets/example.yaml` (two stack sets: production in two accounts and two
regions, a staging canary with an overlay):

1. `litellm-cfn fleet validate`, offline: load the fleet, compile both variants of the whole
   platform, check the names every placement claims;
2. `litellm-cfn fleet diff --artifact-bucket B` against a local moto server: the whole platform,
   two stack sets that do not exist yet (diff creates none), built, linted, packaged and
   predicted; the warm-up rounds fill the lint cache and upload the templates, so a timed run
   takes every finding from the cache and uploads nothing;
3. `litellm-cfn fleet deploy --yes --artifact-bucket B` of a fleet already rolled out, against
   a second moto server: moto cannot create the whole platform (its nested stacks feed each
   other), so, as in tests/fleet/, this fleet's platform is the ledger stack alone (through the
   CLI's seam for the set of stacks), deployed once untimed; every timed run is a no-op.

validate runs what the console script runs (`litellm_cfn.cli.main`); diff and deploy run the
CLI through bench/redeploy.py's wrapper, which counts each run's API calls by operation, after
what that entry point does first (no pydantic plugin discovery, no garbage collection until a
rollout turns it on), so the three start alike. Every command runs in a temporary copy of
`specs/` (diff and deploy write `templates_out/` into their working folder), with a lint cache
of the benchmark's own (`LITELLM_CFN_CACHE_DIR`). Each moto server's artifacts bucket has the
policy `bootstrap --trust-account` gives it, less its TLS-only Deny (see tests/fleet/conftest.py:
moto refuses every request on its aws:SecureTransport condition).

A timed diff or deploy that makes a call that changes anything (an upload included), or does
not say what it should (diff: the two new stack sets' plan; deploy: no changes), stops the
benchmark. Results go to bench/results/fleet.json; the table is printed as Markdown.

    .venv/bin/python bench/fleet.py [--runs N]
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from redeploy import REPO, cli_wrapper, free_port, local_aws, run_cli, start_moto
from run import parse_runs

RESULTS_FILE = REPO / "bench" / "results" / "fleet.json"
FLEET = "specs/fleets/example.yaml"
BUCKET = "fleet-bench-artifacts"
ACCOUNTS = ("111111111111", "222222222222")  # the example fleet's target accounts
WARMUP_ROUNDS = 2
DEFAULT_RUNS = 9
# What litellm_cfn.cli.main.main() does before it runs the CLI (load_rollout turns garbage
# collection back on).
ENTRY_POINT = 'import gc, os\nos.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")\n'
ENTRY_POINT += "gc.disable()\n"
CONSOLE_SCRIPT = "from litellm_cfn.cli import main\nmain()\n"  # what .venv/bin/litellm-cfn runs
WHOLE_PLATFORM = ENTRY_POINT + cli_wrapper("", "None")
LEDGER_ONLY = ENTRY_POINT + cli_wrapper("from tests.deploy import ledger_stack", "(ledger_stack,)")
# Operations that change something, by their name's first word.
CHANGING = ("Create", "Update", "Delete", "Put", "Execute", "Tag", "Untag", "Upload", "Copy")


@dataclass
class Command:
    """One benchmarked command: its label, how it is shown, how to run it (seconds, stdout,
    stderr), what its output must say, and its results."""

    label: str
    short: str
    run: Callable[[], tuple[float, str, str]]
    says: str
    runs: list[float] = field(default_factory=list)
    calls: dict[str, int] | None = None

    def median(self) -> float:
        """The median of the timed runs."""
        return statistics.median(self.runs)


def calls_of(stderr: str) -> dict[str, int]:
    """The API calls the wrapper counted, by operation."""
    return dict(sorted(json.loads(stderr.split("CALLS ", 1)[1]).items()))


def changing(calls: dict[str, int]) -> dict[str, int]:
    """The calls among `calls` whose operation changes something."""
    return {op: n for op, n in calls.items() if op.split(":", 1)[1].startswith(CHANGING)}


def working_copy(root: Path) -> Path:
    """`root` with a copy of the fleet file and the platform spec it names (../platform.yaml)."""
    (root / "specs" / "fleets").mkdir(parents=True)
    shutil.copy(REPO / "specs" / "platform.yaml", root / "specs" / "platform.yaml")
    shutil.copy(REPO / FLEET, root / FLEET)
    return root


def readable_bucket(port: int) -> None:
    """Create BUCKET on the moto server at `port`, with bootstrap's policy for ACCOUNTS less
    its TLS-only Deny, as the fleet tests give theirs."""
    import boto3

    sys.path.insert(0, str(REPO))  # the tests' helpers, from the repository root
    from tests.bootstrap_policy import readable_on_moto

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(readable_on_moto(BUCKET, ACCOUNTS)))


def commands(tmp: Path, diff_port: int, deploy_port: int) -> list[Command]:
    """The three commands, the fleet deployed once (untimed) where the no-op deploy runs."""
    cache = str(tmp / "cache")
    offline = {**os.environ, "LITELLM_CFN_CACHE_DIR": cache}
    diff_env = {**local_aws(diff_port), "LITELLM_CFN_CACHE_DIR": cache}
    deploy_env = {**local_aws(deploy_port), "LITELLM_CFN_CACHE_DIR": cache}
    diff_work = working_copy(tmp / "diff")
    deploy_work = working_copy(tmp / "deploy")
    bucket = ("--artifact-bucket", BUCKET)

    def validate() -> tuple[float, str, str]:
        return run_cli(CONSOLE_SCRIPT, diff_work, offline, "fleet", "validate", FLEET)

    def diff() -> tuple[float, str, str]:
        return run_cli(WHOLE_PLATFORM, diff_work, diff_env, "fleet", "diff", FLEET, *bucket)

    def deploy() -> tuple[float, str, str]:
        argv = ("fleet", "deploy", FLEET, "--yes", *bucket)
        return run_cli(LEDGER_ONLY, deploy_work, deploy_env, *argv)

    _, first, _ = deploy()
    if "rolled out: 5 instances created" not in first:
        sys.exit(f"bench: the first fleet deploy did not create the 5 instances:\n{first}")
    return [
        Command(
            "fleet validate",
            f"litellm-cfn fleet validate {FLEET}",
            validate,
            "valid: 2 stack sets",
        ),
        Command(
            "fleet diff",
            f"litellm-cfn fleet diff {FLEET} --artifact-bucket <bucket>",
            diff,
            "2 stack sets change: 5 instances to create, 0 to update, 0 to delete",
        ),
        Command(
            "no-op fleet deploy (ledger stack)",
            f"litellm-cfn fleet deploy {FLEET} --yes --artifact-bucket <bucket>",
            deploy,
            "no changes: every stack set runs the fleet's template in every target",
        ),
    ]


def measure(cmds: list[Command], rounds: int) -> None:
    """Warm-up rounds, then each command once per round, round-robin; keep the API calls of
    each command's last timed run, checking every timed run changes nothing."""
    for _ in range(WARMUP_ROUNDS):
        for cmd in cmds:
            cmd.run()
    for i in range(rounds):
        for cmd in cmds:
            elapsed, out, err = cmd.run()
            cmd.runs.append(elapsed)
            if "CALLS " in err:
                cmd.calls = calls_of(err)
            changed = changing(cmd.calls or {})
            if changed or cmd.says not in out:
                sys.exit(f"bench: {cmd.label} changed {changed} or said otherwise:\n{out}{err}")
        print(f"round {i + 1}/{rounds} done", file=sys.stderr)


def render(cmds: list[Command], rounds: int, load: tuple[float, float]) -> dict[str, object]:
    """Print the table, the API calls and the machine context; return the JSON-ready results."""
    print("| command | median (s) | min (s) | max (s) | AWS API calls |")
    print("|---|---:|---:|---:|---:|")
    for c in cmds:
        calls = "none" if c.calls is None else str(sum(c.calls.values()))
        print(
            f"| {c.label}: `{c.short}` | {c.median():.3f} | {min(c.runs):.3f} "
            f"| {max(c.runs):.3f} | {calls} |"
        )
    print()
    for c in cmds:
        if c.calls is not None:
            listed = ", ".join(f"{op} x{n}" for op, n in c.calls.items())
            changed = ", ".join(changing(c.calls)) or "none"
            print(f"- {c.label}: {listed}; calls that change anything: {changed}")
    py_version, plat, cpus = platform.python_version(), platform.platform(), os.cpu_count()
    print(
        f"\nmachine: Python {py_version}, {plat}, cpu_count={cpus}, rounds={rounds}, "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after"
    )
    results: dict[str, object] = {
        c.label: {
            "median": c.median(),
            "min": min(c.runs),
            "max": max(c.runs),
            "runs": c.runs,
            "command": c.short,
            "calls": c.calls,
            "changing_calls": None if c.calls is None else changing(c.calls),
        }
        for c in cmds
    }
    results.update(
        python=py_version,
        platform=plat,
        cpu_count=cpus,
        rounds=rounds,
        warmup_rounds=WARMUP_ROUNDS,
        load_average=list(load),
    )
    return results


def main() -> None:
    """Start two moto servers, deploy the fleet once, time the three commands, write
    bench/results/fleet.json."""
    runs = parse_runs(__doc__, DEFAULT_RUNS)
    diff_port, deploy_port = free_port(), free_port()
    while deploy_port == diff_port:
        deploy_port = free_port()
    load_before = os.getloadavg()[0]
    servers = [start_moto(diff_port), start_moto(deploy_port)]
    try:
        readable_bucket(diff_port)
        readable_bucket(deploy_port)
        with tempfile.TemporaryDirectory() as tmp:
            cmds = commands(Path(tmp), diff_port, deploy_port)
            started = time.perf_counter()
            measure(cmds, runs)
            print(f"measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    results = render(cmds, runs, (load_before, os.getloadavg()[0]))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
