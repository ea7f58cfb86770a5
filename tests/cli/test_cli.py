"""The command line as a user meets it: output, exit codes, and never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from litellm_cfn import __version__
from litellm_cfn.cli.options import Platform
from litellm_cfn.errors import SpecError
from nested_stacks import STACKS
from tests.compile.test_build import broken_stack
from tests.compile.test_compiler import names, stack
from tests.conftest import BUILT_FILES, REPO

PLATFORM = str(REPO / "specs" / "platform.yaml")


def run(*args: str):
    return CliRunner().invoke(cli_group(), list(args))


def run_with(stacks, *args: str):
    """The CLI compiling `stacks` instead of the platform's, through its context object."""
    return CliRunner().invoke(cli_group(), list(args), obj=Platform(stacks=tuple(stacks)))


def cli_group():
    from litellm_cfn.cli import cli

    return cli


def test_validate_prints_the_summary_and_the_seeds_subnet_table():
    result = run("validate", PLATFORM)
    assert result.exit_code == 0, result.output
    assert "valid: platform litellm-prod in us-east-1: EKS litellm-eks" in result.stdout
    assert "Private      2   10.0.64.0/20           4,091  EKS worker nodes, pods" in result.stdout
    assert "Address space available: 10.0.144.0 - 10.0.255.255 (28,672 IPs" in result.stdout
    # The seed's defaults give no way to the private API: the one warning says how to add one.
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"{PLATFORM}:34:3: eks.endpoint_public_access: warning: nothing")


def test_bad_specs_exit_2_with_every_problem_and_no_traceback(write_spec):
    path = write_spec("name: Bad\nvpc:\n  az_count: 9\n")
    for command in ("validate", "build"):
        result = run(command, str(path))
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"{path}:1:1: name: 'Bad' is not a platform name: 2 to 31 lowercase letters, digits "
            "and single hyphens, starting with a letter and not ending with a hyphen",
            f"{path}:3:3: vpc.az_count: must be <= 6, got 9",
            f"2 problems in {path}",
        ]
        assert "Traceback" not in result.output


def test_what_eks_or_iam_would_refuse_mid_deploy_exits_2_at_validate_and_build(
    write_spec, tmp_path
):
    path = write_spec(
        'name: demo\neks:\n  cluster_version: "1.31"\n  node_groups:\n'
        "    default: {desired_size: 0, min_size: 0}\niam: {bedrock_model_arns: []}\n"
    )
    for command in ("validate", "build"):
        result = run(command, str(path), *(["--out", str(tmp_path / "out")] * (command == "build")))
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert [line.split(": ")[0:2] for line in lines[:3]] == [
            [f"{path}:3:3", "eks.cluster_version"],
            [f"{path}:4:3", "eks.node_groups"],
            [f"{path}:6:7", "iam.bedrock_model_arns"],
        ]
        assert lines[3] == f"3 problems in {path}"
        assert not (tmp_path / "out").exists()


def test_a_malformed_pinned_date_exits_2(write_spec, monkeypatch):
    monkeypatch.setenv("LITELLM_CFN_TODAY", "01/12/2026")
    result = run("validate", str(write_spec("name: demo\n")))
    assert result.exit_code == 2
    assert result.stderr == "LITELLM_CFN_TODAY='01/12/2026' is not a date such as 2026-12-01\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty: a spec needs at least `name: <platform name>`"),
        ("[1, 2]\n", "the spec must be a mapping of keys such as `name:`, got a list"),
        ("name: a\n  b: c\n", "YAML syntax: mapping values are not allowed here"),
        ("name: demo\nname: again\n", "duplicate key 'name' (first defined at line 1, column 1)"),
    ],
)
def test_unusable_documents_exit_2_with_a_located_message(write_spec, text, message):
    result = run("validate", str(write_spec(text)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"? {'9' * 5000}\n: 1\n", f"1:3: '{'9' * 55}...' is not a valid tag:yaml.org,2002:int"),
        ("name: demo\nnull: 1\n", "2:1: [None]: key: must be a string, got null"),
        (
            "name: demo\ncatalog: {tags: {'aws:x': y}}\n",
            "2:18: catalog.tags.aws:x: key: tag keys starting with 'aws:' are reserved for AWS",
        ),
    ],
    ids=["huge-integer-key", "null-key", "reserved-catalog-tag"],
)
def test_bad_keys_exit_2_with_a_located_message(write_spec, text, problem):
    path = write_spec(text)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{path}:{problem}", f"1 problem in {path}"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_exits_2_as_not_a_regular_file():
    result = run("validate", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr == (
        "/dev/zero: not a regular file (a character device); pass the spec's YAML file\n"
    )


@pytest.mark.parametrize("command", [["validate"], ["build", "--no-lint", "--out", "out"]])
def test_a_named_pipe_with_no_writer_exits_2_at_once_not_waiting_forever(tmp_path, command):
    fifo = tmp_path / "platform.yaml"
    os.mkfifo(fifo)
    # A subprocess with a timeout: were the pipe opened, the test fails instead of hanging.
    result = subprocess.run(
        [sys.executable, "-m", "litellm_cfn", command[0], str(fifo), *command[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"{fifo}: not a regular file (a named pipe); pass the spec's YAML file\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.yaml"]


def test_a_missing_spec_exits_2_and_says_how_to_name_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.startswith("platform.yaml: no such file (pass the spec's path")
    assert run("validate", str(tmp_path)).stderr.endswith("is a folder, not a spec file\n")


def test_build_writes_into_templates_out_by_default_and_reports_what_it_wrote(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    shutil.copy(PLATFORM, tmp_path / "platform.yaml")
    result = run("build", "--no-lint")
    assert result.exit_code == 0, result.output
    out = tmp_path / "templates_out" / "litellm-prod"
    assert sorted(p.name for p in out.iterdir()) == BUILT_FILES
    assert "platform.yaml: built litellm-prod into templates_out/litellm-prod/" in result.stdout
    assert " vpc.yaml       41 resources" in result.stdout
    assert "cfn-lint: skipped (--no-lint)" in result.stdout


def test_build_lints_by_default_and_a_lint_error_exits_1(tmp_path):
    result = run("build", PLATFORM, "--out", str(tmp_path / "ok"))
    assert result.exit_code == 0, result.output
    assert "cfn-lint: 0 errors, 0 warnings" in result.stdout

    result = run_with((*STACKS, broken_stack()), "build", PLATFORM, "--out", str(tmp_path / "bad"))
    assert result.exit_code == 1
    assert "broken.yaml:Resources/Bad/Properties/CidrBlock: E" in result.stderr
    assert not (tmp_path / "bad").exists()


def test_a_template_past_a_count_quota_exits_1_with_one_line(tmp_path):
    crowded = stack("crowded", outputs=names("Out", 201))
    out = str(tmp_path / "out")
    result = run_with((*STACKS, crowded), "build", PLATFORM, "--out", out, "--no-lint")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "crowded.yaml: more than 200 outputs exceeds CloudFormation's limit of 200 per template"
    )


def test_warnings_go_to_stderr_and_do_not_fail_the_build(write_spec, tmp_path):
    path = write_spec("name: demo\nvpc: {single_nat_gateway: true}\n")
    result = run("build", str(path), "--out", str(tmp_path / "out"), "--no-lint")
    assert result.exit_code == 0
    assert "vpc.single_nat_gateway: warning: one NAT gateway is a single point of failure" in (
        result.stderr
    )


def test_debug_shows_the_traceback_instead(write_spec):
    result = CliRunner().invoke(cli_group(), ["--debug", "validate", str(write_spec("name: X\n"))])
    assert isinstance(result.exception, SpecError)


def test_an_unexpected_failure_is_reported_as_a_bug_without_a_traceback(tmp_path):
    def explode(spec):
        raise RuntimeError("boom")

    exploding = SimpleNamespace(NAME="boom", enabled=lambda spec: True, build=explode)
    result = run_with((exploding,), "build", PLATFORM, "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "\ninternal error: RuntimeError: boom\nthis is a bug" in result.stderr
    assert "Traceback" not in result.output


def test_a_prompt_ended_by_ctrl_c_or_eof_aborts_as_click_does_not_as_a_bug():
    from litellm_cfn.cli.options import reports_errors as _reports_errors

    @click.command()
    @_reports_errors
    def ask() -> None:
        click.confirm("go on?", abort=True)

    result = CliRunner().invoke(ask, [], input="")
    assert result.exit_code == 1
    assert result.stderr == "Aborted!\n"


def test_schema_prints_the_committed_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(
        (REPO / "specs" / "platform.schema.json").read_text()
    )


def test_help_shows_examples_and_exit_codes():
    assert "litellm-cfn build specs/platform.yaml" in run("--help").stdout
    assert "Exit codes: 0 ok, 1 failed (AWS's or the endpoint's failure included)," in (
        run("--help").stdout
    )
    assert "143 ended by SIGTERM" in run("--help").stdout
    assert "Example" in run("build", "--help").stdout
    assert "Example" in run("validate", "--help").stdout
    assert run("--version").stdout == f"litellm-cfn, version {__version__}\n"
    assert run("bogus").exit_code == 2


def test_build_without_lint_never_imports_cfn_lint_or_boto3(tmp_path):
    argv = ["litellm-cfn", "build", PLATFORM, "--out", str(tmp_path / "o"), "--no-lint"]
    # The group itself, not main(): main() ends the process at once (os._exit), and the
    # probe must look at what was imported after the command returned.
    probe = (
        "import sys\n"
        "from litellm_cfn.cli import cli\n"
        f"cli.main(args={argv[1:]!r}, prog_name='litellm-cfn', standalone_mode=False)\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('cfnlint', 'boto3', 'botocore')]\n"
        "assert not heavy, heavy\n"
        "print('checked')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
    assert done.stdout.decode().endswith("checked\n")


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["validate", PLATFORM], 0, ""),
        (["validate", "missing.yaml"], 2, "missing.yaml: no such file"),
        (["bogus"], 2, "No such command 'bogus'"),
        (["--debug", "validate", "missing.yaml"], 1, "Traceback (most recent call last)"),
    ],
)
def test_the_installed_program_exits_with_the_documented_codes(args, code, stderr, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "litellm_cfn", *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == code
    assert stderr in result.stderr
    if code == 0:
        assert "Subnet plan for VPC 10.0.0.0/16" in result.stdout


def test_the_module_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "litellm_cfn", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == f"litellm-cfn, version {__version__}\n"
