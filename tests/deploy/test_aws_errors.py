"""Setup mistakes and AWS failures end as one line and an exit code, never "internal error"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from tests.conftest import REPO

SPEC = str(REPO / "specs" / "platform.yaml")
UNREACHABLE = "http://127.0.0.1:9"  # loopback, nothing listening: no call leaves the machine


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No credentials, no config, and every endpoint on a closed loopback port."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", UNREACHABLE)
    return tmp_path


def assert_one_line(result, exit_code: int, start: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith(start), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("diff", SPEC, "--region", "eu west 1"),
        ("outputs", SPEC, "--region", "eu west 1"),
        ("bootstrap", "--region", "eu west 1"),
    ],
)
def test_a_region_that_is_no_region_name_is_bad_input(offline, args):
    assert_one_line(run(*args), 2, "'eu west 1' is not an AWS region name (pass --region)")


@pytest.mark.parametrize(
    "args", [("deploy", SPEC), ("watch", SPEC), ("bootstrap", "--region", "us-east-1")]
)
@pytest.mark.parametrize("value", ["fast", "-1", "inf"])
def test_a_poll_interval_that_is_no_number_of_seconds_is_bad_input(
    offline, monkeypatch, args, value
):
    monkeypatch.setenv("LITELLM_CFN_POLL_SECONDS", value)
    assert_one_line(
        run(*args),
        2,
        f"LITELLM_CFN_POLL_SECONDS must be a number of seconds (0 or more), got '{value}'",
    )


def test_an_expired_sso_login_says_to_log_in_again(offline):
    (offline / "config").write_text(
        "[profile work]\n"
        "sso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = Admin\n"
    )
    result = run("outputs", SPEC, "--profile", "work")
    assert_one_line(result, 1, "cannot read stack litellm-prod: Error loading SSO Token")
    assert result.stderr.rstrip().endswith("(log in again with `aws sso login`)")


@pytest.mark.parametrize("region", ["bogus", "US-EAST-1"])
@pytest.mark.parametrize("command", [("diff", SPEC), ("outputs", SPEC), ("watch", SPEC)])
def test_the_region_flag_is_checked_like_the_specs_region(offline, command, region):
    assert_one_line(run(*command, "--region", region), 2, f"'{region}' is not an AWS region name")


@pytest.mark.parametrize("url", ["notaurl", "http://[::1"])
def test_a_malformed_endpoint_url_is_bad_input(offline, monkeypatch, url):
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    result = run("outputs", SPEC)
    assert_one_line(result, 2, "the AWS endpoint URL is not a URL")
    assert "AWS_ENDPOINT_URL" in result.stderr


def test_a_missing_profile_named_by_the_environment_is_named(offline, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    assert_one_line(run("outputs", SPEC), 2, "AWS profile 'nosuch' is not configured")


def test_an_unreachable_endpoint_is_given_up_on_within_seconds_saying_so(offline, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = run("watch", SPEC)
    assert result.exit_code == 1, result.output
    *retries, error = result.stderr.strip().splitlines()
    assert [line.rsplit("(attempt ", 1)[-1] for line in retries] == ["2)", "3)"]
    assert error.startswith(
        f"cannot watch litellm-prod: CloudFormation DescribeStacks failed at {UNREACHABLE}: "
        "it did not answer"
    ), error
    assert "the endpoint's failure, not the spec's" in error
    assert "moto" not in error  # nothing answered, so nothing is an emulator's gap


def test_a_web_servers_404_page_means_the_endpoint_lacks_the_operation():
    from botocore.exceptions import ClientError

    from litellm_cfn.deploy.aws import aws_errors
    from litellm_cfn.errors import LitellmCfnError

    page = ClientError(
        {"Error": {"Code": "404", "Message": "<!doctype html> <html lang=en> Not Found"}},
        "DescribeAddonVersions",
    )
    with pytest.raises(LitellmCfnError) as caught, aws_errors("look up add-ons"):
        raise page
    assert str(caught.value) == (
        "cannot look up add-ons: the endpoint does not implement DescribeAddonVersions (404); "
        "check AWS_ENDPOINT_URL (a local emulator implements only part of AWS)"
    )
    assert caught.value.exit_code == 1
