"""Benchmark a no-op redeploy against a local moto server: whole process, and API calls.

Starts moto (tests/moto_server.py) on a free loopback port, bootstraps, deploys once, then times
`litellm-cfn deploy --yes` of the unchanged spec several times (whole process, median) and
counts the AWS API calls one such run makes, checking it uploads nothing and updates no stack.
moto cannot execute the nested-stack wiring of the full platform (it does not resolve
`Fn::GetAtt <Stack>.Outputs.<Name>`), so, as in the end-to-end tests, the platform deployed
here is the VPC stack alone; build and cfn-lint still run as in every deploy.

Each round times two redeploys, interleaved so machine noise hits both alike: one with the lint
cache the first deploy filled (a folder of the benchmark's own), which takes every finding from
it, and one with an empty cache, which runs cfn-lint as every deploy did before the cache. The
target is for the first; the API calls counted are its.

    .venv/bin/python bench/redeploy.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHED = "lint findings cached"
COLD = "cfn-lint every time"
# Runs the real CLI with two test-only adjustments: the stacks cli_wrapper names (through the
# CLI's context object, its seam for the set of stacks), and a count of the API calls (by
# operation) printed to stderr as JSON when the process ends.
_WRAPPER = """
import collections, json, os, sys
import litellm_cfn.deploy.aws as aws
STACKS_IMPORT
real_client, calls = aws.client, collections.Counter()
class Accepted:
    status_code = 200
def client(service, *args, **kwargs):
    made = real_client(service, *args, **kwargs)
    def count(model, **_):
        calls[f"{service}:{model.name}"] += 1
    made.meta.events.register("before-call", count)
    made.meta.events.register(
        "before-call.cloudformation.UpdateTerminationProtection",
        lambda params, **_: (Accepted(), {"StackId": params["body"]["StackName"]}),
    )
    return made
aws.client = client
from litellm_cfn.cli import cli
from litellm_cfn.cli.options import Platform
try:
    cli(prog_name="litellm-cfn", obj=Platform(stacks=STACKS))
except SystemExit as exit:
    sys.stderr.write("CALLS " + json.dumps(calls) + "\\n")
    sys.stderr.flush()
    os._exit(exit.code or 0)
"""


def cli_wrapper(stacks_import: str, stacks: str) -> str:
    """The wrapper script for the platform `stacks` (Python source: a tuple of the modules
    `stacks_import` imports, or None for every nested stack)."""
    return _WRAPPER.replace("=STACKS)", f"={stacks})").replace("STACKS_IMPORT", stacks_import)


# The VPC stack alone.
WRAPPER = cli_wrapper("from nested_stacks import vpc", "(vpc,)")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local_aws(port: int) -> dict[str, str]:
    """The environment of a CLI talking to the moto server on `port`, with fake credentials."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "LITELLM_CFN_POLL_SECONDS": "0.2",
        "PYTHONPATH": str(REPO),
    }


def start_moto(port: int) -> subprocess.Popen[bytes]:
    """Start moto with its KMS tag fix (tests/moto_server.py), as the deploy tests run it, on
    loopback `port`, and wait (up to 10 s) until it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
    except BaseException:
        server.terminate()
        raise
    return server


def run_cli(
    wrapper: str, work: str | Path, env: dict[str, str], *argv: str
) -> tuple[float, str, str]:
    """Run `litellm-cfn argv` through `wrapper` in `work`: its wall-clock seconds, stdout and
    stderr; exit the benchmark if it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *argv],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout, done.stderr


def report(runs: dict[str, list[float]], calls: dict[str, int], last_output: str) -> None:
    """Print the timings, the API calls of the last cached redeploy and the target's verdict."""
    median = statistics.median(runs[CACHED])
    updates = sum(n for op, n in calls.items() if "ExecuteChangeSet" in op or "UpdateStack" in op)
    uploads = calls.get("s3:PutObject", 0)
    print("| measure | value |\n|---|---:|")
    for label, times in runs.items():
        middle = statistics.median(times)
        print(f"| no-op redeploy, {label}: median of {len(times)} (s) | {middle:.2f} |")
        print(f"| min / max (s) | {min(times):.2f} / {max(times):.2f} |")
    print(f"| AWS API calls | {sum(calls.values())} |")
    print(f"| uploads / stack updates | {uploads} / {updates} |")
    print()
    print("calls: " + ", ".join(f"{op} x{n}" for op, n in sorted(calls.items())))
    print("last run said: " + last_output.strip().splitlines()[-1])
    verdict = "PASS" if median < 3 and uploads == 0 and updates == 0 else "MISS"
    print(f"target no-op redeploy < 3 s, no upload, no update: {verdict}")


def main() -> None:
    """Start moto, deploy once, then time and count no-op redeploys."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (default 7)")
    args = parser.parse_args()
    port = free_port()
    server = start_moto(port)
    env = local_aws(port)
    try:
        with tempfile.TemporaryDirectory() as work:
            spec = Path(work) / "platform.yaml"
            spec.write_text((REPO / "specs" / "platform.yaml").read_text())

            def litellm_cfn(*argv: str) -> tuple[float, str, str]:
                return run_cli(WRAPPER, work, env, *argv)

            litellm_cfn("bootstrap", "--region", "us-east-1")
            env["LITELLM_CFN_CACHE_DIR"] = str(Path(work) / "cache")
            litellm_cfn("deploy", str(spec), "--yes")
            runs: dict[str, list[float]] = {CACHED: [], COLD: []}
            for run in range(args.runs):
                env["LITELLM_CFN_CACHE_DIR"] = str(Path(work) / f"empty-cache-{run}")
                runs[COLD].append(litellm_cfn("deploy", str(spec), "--yes")[0])
                env["LITELLM_CFN_CACHE_DIR"] = str(Path(work) / "cache")
                elapsed, out, err = litellm_cfn("deploy", str(spec), "--yes")
                runs[CACHED].append(elapsed)
            calls = json.loads(err.split("CALLS ", 1)[1])
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(runs, calls, out)


if __name__ == "__main__":
    main()
