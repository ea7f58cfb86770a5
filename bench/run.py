"""Benchmark the whole-process wall-clock time of ``litellm-cfn build``.

Five commands are timed as separate processes (``time.perf_counter`` around
``subprocess.run``), interleaved round-robin so machine noise hits all of them equally:

1. bare imports: ``python -c "import troposphere, pydantic, click, yaml"`` (the floor);
2. ``litellm-cfn build specs/platform.yaml --no-lint``;
3. ``litellm-cfn build specs/platform.yaml --no-lint-cache`` (the in-process cfn-lint, every
   template linted);
4. ``litellm-cfn build specs/platform.yaml`` again and again: the templates are unchanged, so
   every finding comes from the lint cache, which the warm-up rounds fill;
5. the ``cfn-lint`` CLI over exactly the template files build 3 wrote.

The lint cache is a fresh folder of its own (``LITELLM_CFN_CACHE_DIR``), never the user's.
Two untimed warm-up rounds run first. The script prints a Markdown table, the three targets
(``build --no-lint <= 2x bare imports``; ``build with lint < cfn-lint CLI on the same files``;
``repeated build <= 1.3x build --no-lint``) and the machine context, and writes the same
results to ``bench/results/latest.json``. A missed target does not change the exit code; a
failing command does.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/run.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = REPO_ROOT / "bench" / "results" / "latest.json"
SPEC = "specs/platform.yaml"
WARMUP_ROUNDS = 2
DEFAULT_RUNS = 15
BARE = "bare imports"
NO_LINT = "build --no-lint"
WITH_LINT = "build (with cfn-lint)"
CACHED = "build (lint cached)"
LINT_CLI = "cfn-lint CLI"


@dataclass
class Command:
    """One benchmarked command: its label, argv, short display form and timings."""

    label: str
    argv: list[str]
    short: str
    runs: list[float] = field(default_factory=list)

    def median(self) -> float:
        """Return the median of the timed runs."""
        return statistics.median(self.runs)


def time_once(argv: list[str]) -> float:
    """Run argv from the repository root and return its wall-clock seconds; exit if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: command failed with exit code {proc.returncode}: {argv}")
    return elapsed


def make_commands(tmp: Path) -> list[Command]:
    """Build the five commands, running one build first so cfn-lint has files to read."""
    python = sys.executable
    bindir = Path(python).parent
    cli = str(bindir / "litellm-cfn")
    nolint_out = tmp / "nolint"
    lint_out = tmp / "lint"
    cached_out = tmp / "cached"
    build_lint = [cli, "build", SPEC, "--out", str(lint_out), "--no-lint-cache"]
    time_once(build_lint)
    templates = sorted(lint_out.glob("*.yaml"))
    if not templates:
        sys.exit(f"bench: build wrote no *.yaml templates into {lint_out}")
    lint_argv = [
        str(bindir / "cfn-lint"),
        "--regions",
        "us-east-1",
        "--",
        *(str(p) for p in templates),
    ]
    names = " ".join(p.name for p in templates)
    return [
        Command(
            BARE,
            [python, "-c", "import troposphere, pydantic, click, yaml"],
            'python -c "import troposphere, pydantic, click, yaml"',
        ),
        Command(
            NO_LINT,
            [cli, "build", SPEC, "--out", str(nolint_out), "--no-lint"],
            f"litellm-cfn build {SPEC} --out <tmp>/nolint --no-lint",
        ),
        Command(
            WITH_LINT, build_lint, f"litellm-cfn build {SPEC} --out <tmp>/lint --no-lint-cache"
        ),
        Command(
            CACHED,
            [cli, "build", SPEC, "--out", str(cached_out)],
            f"litellm-cfn build {SPEC} --out <tmp>/cached",
        ),
        Command(
            LINT_CLI,
            lint_argv,
            f"cfn-lint --regions us-east-1 -- <tmp>/lint/{{{names}}}",
        ),
    ]


def measure(commands: list[Command], rounds: int) -> None:
    """Run warm-up rounds, then time each command once per round, round-robin."""
    for _ in range(WARMUP_ROUNDS):
        for cmd in commands:
            time_once(cmd.argv)
    for i in range(rounds):
        for cmd in commands:
            cmd.runs.append(time_once(cmd.argv))
        print(f"round {i + 1}/{rounds} done", file=sys.stderr)


def render(commands: list[Command], rounds: int) -> dict[str, object]:
    """Print the table, targets and machine context; return the JSON-ready results."""
    by_label = {c.label: c for c in commands}
    base = by_label[BARE].median()
    print("| command | median (s) | min (s) | max (s) | vs bare imports |")
    print("|---|---:|---:|---:|---:|")
    for c in commands:
        print(
            f"| {c.label}: `{c.short}` | {c.median():.3f} | {min(c.runs):.3f} "
            f"| {max(c.runs):.3f} | {c.median() / base:.2f}x |"
        )
    print()
    targets = check_targets(by_label)
    py_version = platform.python_version()
    plat = platform.platform()
    cpus = os.cpu_count()
    print(f"machine: Python {py_version}, {plat}, cpu_count={cpus}, rounds={rounds}")
    results: dict[str, object] = {
        c.label: {
            "median": c.median(),
            "min": min(c.runs),
            "max": max(c.runs),
            "runs": c.runs,
            "argv": c.argv,
        }
        for c in commands
    }
    results.update(python=py_version, platform=plat, cpu_count=cpus, rounds=rounds, **targets)
    return results


def check_targets(by_label: dict[str, Command]) -> dict[str, bool]:
    """Print each target's verdict and numbers; return the verdicts by JSON name."""
    base = by_label[BARE].median()
    nolint = by_label[NO_LINT].median()
    lint_med = by_label[WITH_LINT].median()
    cli_med = by_label[LINT_CLI].median()
    cached = by_label[CACHED].median()
    targets = [
        (
            "target_nolint_within_2x_bare_imports",
            nolint / base <= 2.0,
            "build --no-lint <= 2x bare imports",
            f"{nolint:.3f}s / {base:.3f}s = {nolint / base:.2f}x",
        ),
        (
            "target_build_with_lint_faster_than_cfn_lint_cli",
            lint_med < cli_med,
            "build with lint < cfn-lint CLI on the same files",
            f"{lint_med:.3f}s vs {cli_med:.3f}s",
        ),
        (
            "target_repeated_build_within_1_3x_nolint",
            cached / nolint <= 1.3,
            "repeated build <= 1.3x build --no-lint",
            f"{cached:.3f}s / {nolint:.3f}s = {cached / nolint:.2f}x",
        ),
    ]
    for _, ok, target, numbers in targets:
        print(f"target {target}: {'PASS' if ok else 'MISS'} ({numbers})")
    return {name: ok for name, ok, _, _ in targets}


def parse_runs(doc: str | None, default: int) -> int:
    """The `--runs N` of a benchmark's command line (timed rounds, at least 1)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument(
        "--runs", type=int, default=default, metavar="N", help=f"timed rounds (default {default})"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return int(args.runs)


def main() -> None:
    """Parse arguments, run the benchmark and write bench/results/latest.json."""
    runs = parse_runs(__doc__, DEFAULT_RUNS)
    with tempfile.TemporaryDirectory() as tmp_name:
        os.environ["LITELLM_CFN_CACHE_DIR"] = str(Path(tmp_name) / "cache")
        commands = make_commands(Path(tmp_name))
        measure(commands, runs)
    results = render(commands, runs)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
