"""The `rds` section: engine, storage and names PostgreSQL and RDS accept."""

from __future__ import annotations

import pytest

from litellm_cfn.errors import shown
from tests.conftest import assert_located, spec_from

BAD = [
    (
        "rds: {instance_class: m5.large}\n",
        "platform.yaml:2:7: rds.instance_class: 'm5.large' is not an RDS instance",
    ),
    (
        "rds: {allocated_storage: 10}\n",
        "platform.yaml:2:7: rds.allocated_storage: must be >= 20, got 10",
    ),
    (
        "rds: {allocated_storage: 200, max_allocated_storage: 100}\n",
        "platform.yaml:2:31: rds.max_allocated_storage: must be at least 220 "
        "(10% above allocated_storage, 200)",
    ),
    (
        "rds: {engine_version: '17'}\n",
        "platform.yaml:2:7: rds.engine_version: '17' is not a PostgreSQL major.minor",
    ),
    (
        "rds: {engine_version: 17.9}\n",
        "platform.yaml:2:7: rds.engine_version: must be a string, got a number",
    ),
    (
        "rds: {engine_version: '12.22'}\n",
        "platform.yaml:2:7: rds.engine_version: PostgreSQL 12 is not a major RDS supports; "
        "use one of 14, 15",
    ),
    (
        "rds: {username: postgres}\n",
        "platform.yaml:2:7: rds.username: 'postgres' is reserved by PostgreSQL or RDS",
    ),
    ("rds: {username: rdsadmin}\n", "platform.yaml:2:7: rds.username: 'rdsadmin' is reserved"),
    ("rds: {username: pg_monitor}\n", "platform.yaml:2:7: rds.username: 'pg_monitor' is reserved"),
    (
        "rds: {username: 1admin}\n",
        "platform.yaml:2:7: rds.username: '1admin' is not a PostgreSQL name",
    ),
    (
        "rds: {database_name: template1}\n",
        "platform.yaml:2:7: rds.database_name: 'template1' is reserved",
    ),
    (
        "rds: {database_name: lite-llm}\n",
        "platform.yaml:2:7: rds.database_name: 'lite-llm' is not a PostgreSQL name",
    ),
    (
        "rds: {backup_retention_days: 0}\n",
        "platform.yaml:2:7: rds.backup_retention_days: must be >= 1, got 0",
    ),
    (
        "rds: {monitoring_interval: 45}\n",
        "platform.yaml:2:7: rds.monitoring_interval: 45 is not an enhanced monitoring",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_rds_settings_are_refused_with_a_located_message(text, expected):
    assert_located("name: demo\n" + text, expected)


def test_rds_defaults_are_the_seeds_and_safe():
    rds = spec_from("name: demo\n").rds
    assert (rds.instance_class, rds.multi_az) == ("db.t3.medium", True)
    assert (rds.allocated_storage, rds.max_allocated_storage) == (20, 100)
    assert (rds.database_name, rds.username) == ("litellm", "litellm")
    assert rds.force_ssl is True
    assert rds.backup_retention_days == 7
    assert rds.parameter_group_family == "postgres17"


def test_litellms_database_user_must_not_be_the_master_user():
    assert_located(
        "name: demo\nrds: {username: admin1, app_username: ADMIN1}\n",
        "platform.yaml:2:25: rds.app_username: must differ from username",
    )
    assert spec_from("name: demo\n").rds.app_username == "litellm_app"


SNAPSHOT_ARN = "arn:aws:rds:eu-west-1:123456789012:snapshot:demo-rdsstack-database-1a2b3c"


@pytest.mark.parametrize(
    "snapshot",
    [
        "final-demo-2026",
        "a",
        "A" * 255,
        SNAPSHOT_ARN,
        "arn:aws-us-gov:rds:us-gov-west-1:123456789012:snapshot:shared1",
        "arn:aws-cn:rds:cn-north-1:123456789012:snapshot:x-1",
    ],
)
def test_a_snapshot_to_restore_is_an_identifier_or_an_arn(snapshot):
    rds = spec_from(f"name: demo\nrds: {{restore_from_snapshot: '{snapshot}'}}\n").rds
    assert rds.restore_from_snapshot == snapshot


def test_the_database_is_not_restored_unless_asked():
    assert spec_from("name: demo\n").rds.restore_from_snapshot is None


NOT_A_SNAPSHOT = "is not an RDS snapshot identifier (1-255 letters, digits or hyphens"


@pytest.mark.parametrize(
    "snapshot",
    [
        "1final",
        "final--snap",
        "final-",
        "final_snap",
        "rds:demo-2026-01-01-00-00",
        "A" * 256,
        "arn:aws:rds:eu-west-1:123456789012:db:demo",
        "arn:aws:rds:eu-west-1:1234:snapshot:demo",
        "arn:aws:s3:::bucket",
        "",
    ],
)
def test_a_bad_snapshot_is_refused_with_a_located_message(snapshot):
    assert_located(
        f"name: demo\nrds:\n  restore_from_snapshot: '{snapshot}'\n",
        f"platform.yaml:3:3: rds.restore_from_snapshot: {shown(snapshot)} {NOT_A_SNAPSHOT}",
    )


def test_a_snapshot_must_be_a_string():
    assert_located(
        "name: demo\nrds: {restore_from_snapshot: 7}\n",
        "platform.yaml:2:7: rds.restore_from_snapshot: must be a string",
    )
