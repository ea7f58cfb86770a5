"""The `rds` section: engine, storage and names PostgreSQL and RDS accept."""

from __future__ import annotations

import pytest

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
