"""The `cache` section: engines, versions and node types ElastiCache creates, and failover."""

from __future__ import annotations

import pytest

from tests.conftest import assert_located, problems_of, spec_from

BAD = [
    (
        "cache: {engine: memcached}\n",
        "platform.yaml:2:9: cache.engine: must be one of 'valkey' or 'redis', got 'memcached'",
    ),
    (
        "cache: {engine_version: '6.2', engine: redis}\n",
        "platform.yaml:2:9: cache.engine_version: '6.2' is not a version ElastiCache creates "
        "for redis; use one of 7.0, 7.1",
    ),
    (
        "cache: {engine_version: '7.1'}\n",
        "platform.yaml:2:9: cache.engine_version: '7.1' is not a version ElastiCache creates "
        "for valkey; use one of 7.2, 8.0, 8.1, 8.2, 9.0, 9.1",
    ),
    (
        "cache: {engine_version: 8.2}\n",
        "platform.yaml:2:9: cache.engine_version: must be a string, got a number",
    ),
    (
        "cache: {node_type: m7g.large}\n",
        "platform.yaml:2:9: cache.node_type: 'm7g.large' is not an ElastiCache node type",
    ),
    (
        "cache: {node_type: cache.t2.micro}\n",
        "platform.yaml:2:9: cache.node_type: 'cache.t2.micro' is a previous-generation node type",
    ),
    ("cache: {replicas: 6}\n", "platform.yaml:2:9: cache.replicas: must be <= 5, got 6"),
    (
        "cache: {multi_az: true, replicas: 0}\n",
        "platform.yaml:2:25: cache.replicas: multi_az needs at least one replica",
    ),
    (
        "cache: {snapshot_retention_days: 36}\n",
        "platform.yaml:2:9: cache.snapshot_retention_days: must be <= 35, got 36",
    ),
    (
        "cache: {log_retention_days: 10}\n",
        "platform.yaml:2:9: cache.log_retention_days: 10 is not a retention CloudWatch Logs",
    ),
    ("cache: {cluster_mode: true}\n", "platform.yaml:2:9: cache.cluster_mode: unknown key"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_cache_settings_are_refused_with_a_located_message(text, expected):
    assert_located("name: demo\n" + text, expected)


def test_every_cache_mistake_is_reported_at_once():
    text = "name: demo\ncache: {engine: redis, replicas: -1, node_type: cache.m4.large}\n"
    problems = problems_of(text)
    assert len(problems) == 2, problems
    assert any("cache.replicas: must be >= 0" in p for p in problems)
    assert any("cache.node_type" in p for p in problems)


def test_the_default_cache_is_the_newest_valkey_on_litellms_sized_node_multi_az_in_prod():
    spec = spec_from("name: demo\n")
    assert spec.cache.enabled is True
    assert (spec.cache.engine, spec.cache.version) == ("valkey", "9.1")
    assert spec.cache.node_type == "cache.m7g.large"
    assert (spec.cache_multi_az, spec.cache_replicas) == (True, 1)


def test_outside_prod_the_cache_is_one_node_unless_asked():
    dev = spec_from("name: demo\nenvironment: dev\n")
    assert (dev.cache_multi_az, dev.cache_replicas) == (False, 0)
    asked = spec_from("name: demo\nenvironment: dev\ncache: {multi_az: true, replicas: 2}\n")
    assert (asked.cache_multi_az, asked.cache_replicas) == (True, 2)
    readers = spec_from("name: demo\ncache: {multi_az: false, replicas: 2}\n")
    assert (readers.cache_multi_az, readers.cache_replicas) == (False, 2)


def test_redis_oss_takes_its_own_newest_version():
    spec = spec_from("name: demo\ncache: {engine: redis}\n")
    assert spec.cache.version == "7.1"
