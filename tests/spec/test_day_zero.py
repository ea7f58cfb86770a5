"""What EKS and IAM refuse on day 0, refused at `validate` with a located message: retired
Kubernetes versions, a support type that cannot be set, node plans nothing can run on, an
empty model list; and the version calendar the checks read, at any injected date."""

from __future__ import annotations

from datetime import date

import pytest

from litellm_cfn.errors import InputError, SpecError
from litellm_cfn.spec import kubernetes_versions as versions
from litellm_cfn.spec import validate_data
from litellm_cfn.spec.source import parse
from tests.conftest import PINNED_TODAY, assert_located, problems_of, spec_from


def validated_on(text: str, day: str):
    data, where = parse(text, "platform.yaml")
    return validate_data(data, where, today=date.fromisoformat(day))


def test_the_calendar_is_in_order_and_each_version_lives_14_then_12_months():
    assert [e.version for e in versions.CALENDAR] == sorted(
        (e.version for e in versions.CALENDAR), key=versions.minor
    )
    for entry in versions.CALENDAR:
        assert entry.released < entry.end_of_standard < entry.end_of_extended
        assert 13 <= (entry.end_of_standard - entry.released).days // 30 <= 15
        assert 11 <= (entry.end_of_extended - entry.end_of_standard).days // 30 <= 13


def test_the_default_is_the_newest_version_in_standard_support_when_the_calendar_was_read():
    day = versions.CALENDAR_READ_ON
    standard = [e.version for e in versions.CALENDAR if e.support_on(day) == "standard"]
    assert standard[-1] == versions.DEFAULT_VERSION


def test_on_the_pinned_day_eks_creates_132_to_136():
    day = date.fromisoformat(PINNED_TODAY)
    assert versions.creatable_on(day) == ["1.32", "1.33", "1.34", "1.35", "1.36"]
    assert versions.support_on("1.31", day) == "retired"
    assert versions.support_on("1.33", day) == "extended"
    assert versions.support_on("1.34", day) == "standard"
    assert versions.support_on("1.37", day) == "unlisted"
    assert versions.support_on("1.20", day) == "retired"


def test_a_retired_version_is_refused_naming_the_versions_eks_creates():
    assert_located(
        'name: demo\neks:\n  cluster_version: "1.31"\n',
        "platform.yaml:3:3: eks.cluster_version: EKS no longer creates clusters at 1.31 "
        "(its extended support ended 2026-11-26); use one of 1.32, 1.33, 1.34, 1.35, 1.36 "
        "(newest: 1.36)",
    )


def test_the_date_is_injected_and_the_spec_follows_it():
    text = 'name: demo\neks: {cluster_version: "1.31", support_type: EXTENDED}\n'
    assert validated_on(text, "2026-11-25").eks.cluster_version == "1.31"
    with pytest.raises(SpecError, match=r"EKS no longer creates clusters at 1\.31"):
        validated_on(text, "2026-11-26")
    # The default stays valid for years, whatever the date: it is a constant.
    assert validated_on("name: demo\n", "2028-08-01").eks.cluster_version == "1.36"


def test_a_version_in_extended_support_needs_support_type_extended():
    assert_located(
        'name: demo\neks:\n  cluster_version: "1.33"\n',
        "platform.yaml:2:1: eks.support_type: 1.33 left standard support on 2026-07-29: run it "
        "with support_type: EXTENDED",
    )
    spec = spec_from('name: demo\neks: {cluster_version: "1.33", support_type: EXTENDED}\n')
    assert spec.eks.support_type == "EXTENDED"


def test_an_unparseable_pinned_date_is_bad_input(monkeypatch):
    monkeypatch.setenv(versions.TODAY_VARIABLE, "tomorrow")
    with pytest.raises(InputError, match="LITELLM_CFN_TODAY='tomorrow' is not a date"):
        spec_from("name: demo\n")


NOTHING_CAN_RUN = (
    "eks.node_groups: no node group can run CoreDNS and the EBS CSI controller, so their "
    "add-ons would never become active"
)


@pytest.mark.parametrize(
    "groups",
    [
        "default: {desired_size: 0, min_size: 0}",
        "default: {taints: [{key: a, effect: NO_SCHEDULE}]}",
        "a: {desired_size: 0, min_size: 0}\n    b: {taints: [{key: a, effect: NO_EXECUTE}]}",
    ],
)
def test_a_node_plan_nothing_can_run_on_is_refused(groups: str):
    assert_located(f"name: demo\neks:\n  node_groups:\n    {groups}\n", "platform.yaml:3:3: ")
    assert NOTHING_CAN_RUN in problems_of(f"name: demo\neks:\n  node_groups:\n    {groups}\n")[0]


def test_a_prefer_no_schedule_taint_still_runs_system_pods():
    spec = spec_from(
        "name: demo\neks:\n  node_groups:\n"
        "    default: {taints: [{key: a, effect: PREFER_NO_SCHEDULE}]}\n"
    )
    assert spec.eks.node_groups["default"].runs_system_pods


def test_an_empty_model_list_is_refused():
    assert_located(
        "name: demo\niam:\n  bedrock_model_arns: []\n",
        "platform.yaml:3:3: iam.bedrock_model_arns: must not be empty",
    )


def test_advanced_database_insights_need_performance_insights():
    assert_located(
        "name: demo\nrds: {database_insights: advanced, performance_insights: false}\n",
        "platform.yaml:2:7: rds.database_insights: advanced mode needs performance_insights",
    )


def test_the_platform_tag_is_reserved():
    assert_located(
        "name: demo\ntags: {'litellm-cfn:platform': mine}\n",
        "platform.yaml:2:8: tags.litellm-cfn:platform: key: tag keys starting with "
        "'litellm-cfn:' are set by litellm-cfn itself",
    )


def test_admin_networks_must_be_cidr_blocks():
    assert_located(
        "name: demo\neks: {private_access_cidrs: [10.100.0.1/16]}\n",
        "platform.yaml:2:30: eks.private_access_cidrs[0]: '10.100.0.1/16' has host bits set",
    )


def test_every_mistake_is_reported_at_once():
    problems = problems_of(
        'name: demo\neks:\n  cluster_version: "1.30"\n  node_groups:\n'
        "    default: {desired_size: 0, min_size: 0}\niam: {bedrock_model_arns: []}\n"
    )
    assert [p.split(": ")[1] for p in problems] == [
        "eks.cluster_version",
        "eks.node_groups",
        "iam.bedrock_model_arns",
    ]
