"""`fleet deploy`, `fleet diff` and `fleet status` against the local moto server.

moto models self-managed stack sets and creates each stack instance's stack in its account
and region, but it runs every operation within the call, ignores operation preferences and
cannot create a platform whose nested stacks feed each other: these rollouts deploy the
ledger stack alone through the CLI's seam for the set of stacks (click's context object).
What moto cannot run (waves that take time, a failed wave) is played back in
test_rollout_stubbed.py. Whether anything changes is decided by our own comparison of
templates and places, never by moto's word."""

from __future__ import annotations

import json

import boto3

from tests.aws import REGION
from tests.fleet.moto_fleet import BUCKET, A, B, instances, operations, run, write_fleet


def test_a_fleet_of_two_accounts_and_two_regions_with_an_overlay_deploys_in_waves(fleet):
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("wave 1/2 canary:") < out.index("litellm-staging: stack set created")
    assert out.index("litellm-staging: stack set created") < out.index("wave 2/2 rest:")
    assert f"  litellm create {B}/eu-west-1: SUCCEEDED" in out
    assert "rolled out: 5 instances created, 0 updated, 0 deleted" in out
    assert instances("litellm-staging") == {(A, REGION)}
    assert instances("litellm") == {(a, r) for a in (A, B) for r in (REGION, "eu-west-1")}
    # Each instance's stack exists in its own account and region.
    stack_set = boto3.client("cloudformation", region_name=REGION).describe_stack_set(
        StackSetName="litellm"
    )["StackSet"]
    assert stack_set["Description"].startswith("litellm-cfn fleet litellm: litellm, template")


def test_a_second_deploy_changes_nothing_by_our_own_comparison(fleet):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    before = operations("litellm"), operations("litellm-staging")
    again = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert again.exit_code == 0, again.output
    assert "no changes: every stack set runs the fleet's template in every target" in again.output
    assert "wave" not in again.output
    assert (operations("litellm"), operations("litellm-staging")) == before


def test_removing_a_region_removes_those_instances_only_and_only_when_named(fleet, tmp_path):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    write_fleet(tmp_path, regions="us-east-1")
    refused = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert refused.exit_code == 1
    assert (
        f"refusing to roll out: the rollout deletes the platforms at litellm/{A}/eu-west-1, "
        f"litellm/{B}/eu-west-1 (no longer targets); if that is intended, run again with "
        f"--allow-remove {A}/eu-west-1 --allow-remove {B}/eu-west-1"
    ) in refused.output
    assert len(instances("litellm")) == 4
    allowed = run(
        "deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET,
        "--allow-remove", f"{A}/eu-west-1", "--allow-remove", f"litellm/{B}/eu-west-1",
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.output
    assert "after the waves: removing what is no longer a target" in allowed.output
    assert instances("litellm") == {(A, REGION), (B, REGION)}
    assert instances("litellm-staging") == {(A, REGION)}


def test_allowing_a_removal_the_rollout_does_not_make_is_bad_input(fleet):
    result = run(
        "deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET,
        "--allow-remove", f"{A}/ap-south-1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"--allow-remove '{A}/ap-south-1': the rollout removes no such instance" in result.output


def test_without_a_terminal_or_yes_the_rollout_stops_for_approval(fleet):
    result = run("deploy", str(fleet), "--artifact-bucket", BUCKET)
    assert result.exit_code == 3
    assert f"run `litellm-cfn fleet deploy {fleet} --yes` to roll it out" in result.output
    assert "litellm-staging" in result.output  # the review was shown first
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_stack_sets()["Summaries"] == []


def test_a_bucket_an_account_may_not_read_stops_the_rollout_before_any_stack_set(fleet, grant_read):
    grant_read((A,))
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 1
    assert (
        f"the artifacts bucket {BUCKET} does not let account {B} read the templates "
        f"(s3:GetObject on arn:aws:s3:::{BUCKET}/*)"
    ) in result.output
    assert (
        f"Run `litellm-cfn bootstrap --region {REGION} --trust-account {A} --trust-account {B}` "
        "first"
    ) in result.output
    assert "packaged" not in result.output
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_stack_sets()["Summaries"] == []


def test_status_shows_every_instance_and_what_is_not_deployed(fleet, tmp_path):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    healthy = run("status", str(fleet), "--output", "json")
    assert healthy.exit_code == 0, healthy.output
    rows = json.loads(healthy.output)
    assert len(rows) == 5 and all(row["healthy"] for row in rows)
    assert {row["template"] for row in rows if row["stack_set"] == "litellm"} != {""}
    write_fleet(tmp_path, regions="us-east-1, ap-south-1")
    changed = run("status", str(fleet))
    assert changed.exit_code == 1
    assert "no longer a target" in changed.output
    assert "NOT DEPLOYED" in changed.output and "declared, not deployed" in changed.output


def stored_description(stack_set: str) -> str:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return str(cfn.describe_stack_set(StackSetName=stack_set)["StackSet"]["Description"])


def test_a_changed_spec_updates_each_stack_set_wave_by_wave(fleet, tmp_path):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    before = stored_description("litellm"), stored_description("litellm-staging")
    spec = tmp_path / "platform.yaml"
    spec.write_text(spec.read_text().replace("tags: {}", "tags: {team: ml-platform}"))
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "stack set litellm: new template" in out
    assert f"  litellm-staging: new template to {A}/us-east-1" in out
    places = f"{A}/eu-west-1, {A}/us-east-1, {B}/eu-west-1, {B}/us-east-1"
    assert f"  litellm: new template to {places}" in out
    assert (
        out.index("wave 1/2 canary:")
        < out.index("  litellm-staging update")
        < out.index("wave 2/2 rest:")
    )
    assert "rolled out: 0 instances created, 5 updated, 0 deleted" in out
    after = stored_description("litellm"), stored_description("litellm-staging")
    assert all(old != new for old, new in zip(before, after, strict=True))
    again = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert "no changes" in again.output


def test_adding_a_region_creates_those_instances_only(fleet, tmp_path):
    assert run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET).exit_code == 0
    write_fleet(tmp_path, regions="us-east-1, eu-west-1, ap-south-1")
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 0, result.output
    assert f"  litellm: create {A}/ap-south-1, {B}/ap-south-1" in result.output
    assert "rolled out: 2 instances created, 0 updated, 0 deleted" in result.output
    assert len(instances("litellm")) == 6


def test_a_stack_set_of_the_same_name_that_is_not_the_fleets_is_never_touched(fleet):
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack_set(
        StackSetName="litellm", Description="the network team's", TemplateBody="{}"
    )
    result = run("deploy", str(fleet), "--yes", "--artifact-bucket", BUCKET)
    assert result.exit_code == 1
    assert (
        "the stack sets litellm (\"the network team's\") exist but are not fleet litellm's; "
        "refusing to update them" in result.output
    )
    assert cfn.describe_stack_set(StackSetName="litellm")["StackSet"]["TemplateBody"] == "{}"
    assert "litellm-staging" not in {s["StackSetName"] for s in cfn.list_stack_sets()["Summaries"]}
