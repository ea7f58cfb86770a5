"""Kubernetes upgrades one minor at a time: the check, the running version, the plan.

The running version is read from the stack's EksClusterName output and EKS's DescribeCluster.
moto models EKS clusters (a cluster is created here through its API) but cannot execute the
platform's EKS stack, so the stack's outputs are answered as CloudFormation answers them.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.deploy.upgrade import Upgrade, check_one_minor, running_version, upgrade_plan
from litellm_cfn.errors import InputError
from tests.aws import REGION, answer_first
from tests.conftest import REPO, spec_from

SPEC = Path("platform.yaml")


def test_the_same_version_or_the_next_minor_is_let_through():
    check_one_minor(Upgrade("1.35", "1.35"), SPEC)
    check_one_minor(Upgrade("1.35", "1.36"), SPEC)


def test_a_jump_of_several_minors_is_refused_with_the_deploys_to_run():
    with pytest.raises(InputError) as refused:
        check_one_minor(Upgrade("1.33", "1.36"), SPEC)
    assert str(refused.value) == (
        "eks.cluster_version: the cluster runs Kubernetes 1.33 and EKS upgrades one minor "
        "version at a time, so 1.36 takes 3 deploys: set eks.cluster_version to 1.34, then "
        "1.35, then 1.36, running `litellm-cfn deploy platform.yaml` after each"
    )
    assert refused.value.exit_code == 2


def test_a_downgrade_is_refused():
    with pytest.raises(InputError, match=r"runs Kubernetes 1\.36 and EKS cannot downgrade it"):
        check_one_minor(Upgrade("1.36", "1.35"), SPEC)


def test_the_plan_follows_the_stacks_order_one_node_group_at_a_time():
    spec = spec_from(
        """
        name: litellm
        eks:
          node_groups:
            general: {}
            batch: {}
          addons:
            coredns: {version: v1.12.4-eksbuild.1}
        """
    )
    plan = upgrade_plan(spec, Upgrade("1.35", "1.36")).splitlines()
    assert plan[0] == "KUBERNETES UPGRADE 1.35 -> 1.36, in this order:"
    assert plan[1].startswith("  1. the control plane")
    assert plan[2] == "  2. the add-ons nodes need: vpc-cni, kube-proxy, eks-pod-identity-agent"
    assert plan[3].startswith("  3. node group general: new nodes at 1.36")
    assert plan[4].startswith("  4. node group batch: new nodes at 1.36")
    assert plan[5] == "  5. the add-ons that need nodes: coredns, aws-ebs-csi-driver"
    # Only the pinned add-on moves with the spec.
    assert plan[6].startswith(
        "  Not moved: vpc-cni, kube-proxy, eks-pod-identity-agent, aws-ebs-csi-driver keep "
    )


def running_cluster(version: str) -> str:
    """A cluster named as the platform names it, running `version`, in moto's EKS."""
    boto3.client("eks", region_name=REGION).create_cluster(
        name="litellm-prod",
        version=version,
        roleArn="arn:aws:iam::123456789012:role/litellm-prod-cluster",
        resourcesVpcConfig={"subnetIds": []},
    )
    return "litellm-prod"


@pytest.fixture
def cluster(aws):
    """The platform's cluster, running Kubernetes 1.34."""
    return running_cluster("1.34")


def stack_with_cluster(name: str) -> dict:
    """DescribeStacks as CloudFormation answers it for a created platform."""
    return {
        "Stacks": [
            {
                "StackName": "litellm-prod",
                "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/litellm-prod/1",
                "CreationTime": datetime(2026, 11, 1, tzinfo=timezone.utc),
                "StackStatus": "UPDATE_COMPLETE",
                "Outputs": [{"OutputKey": "EksClusterName", "OutputValue": name}],
            }
        ]
    }


def test_the_running_version_is_the_clusters_named_by_the_stack(aws, cluster):
    cfn = boto3.client("cloudformation", region_name=REGION)
    eks = boto3.client("eks", region_name=REGION)
    assert running_version(cfn, "litellm-prod", lambda: eks) is None  # no stack yet
    answer_first_call = [stack_with_cluster(cluster)]
    cfn.meta.events.register(
        "before-call.cloudformation.DescribeStacks",
        lambda **_: (_Ok(), answer_first_call.pop()) if answer_first_call else None,
    )
    assert running_version(cfn, "litellm-prod", lambda: eks) == "1.34"


class _Ok:
    status_code = 200


def test_deploying_two_minors_ahead_is_refused_before_anything_is_built(
    aws, cluster, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    # deploy reads the stack twice before building: its state, then its cluster.
    answer_first(monkeypatch, "cloudformation.DescribeStacks", [stack_with_cluster(cluster)] * 2)
    result = CliRunner().invoke(cli, ["deploy", "platform.yaml", "--yes"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "eks.cluster_version: the cluster runs Kubernetes 1.34 and EKS upgrades one minor "
        "version at a time, so 1.36 takes 2 deploys: set eks.cluster_version to 1.35, then 1.36"
    ), result.stderr
    assert not (tmp_path / "templates_out").exists()


def test_diff_of_an_upgrade_by_one_minor_prints_the_plan_after_the_review(
    aws, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "platform.yaml", tmp_path / "platform.yaml")
    running_cluster("1.35")
    assert CliRunner().invoke(cli, ["bootstrap", "--region", REGION]).exit_code == 0
    # The first read of the stack, the upgrade check's, finds a platform with its cluster.
    answer_first(monkeypatch, "cloudformation.DescribeStacks", [stack_with_cluster("litellm-prod")])
    result = CliRunner().invoke(cli, ["diff", "platform.yaml"])
    assert result.exit_code == 0, result.output
    review_ends = result.stdout.index("changes in")
    plan = result.stdout.index("KUBERNETES UPGRADE 1.35 -> 1.36, in this order:")
    assert plan > review_ends
    assert "  3. node group default: new nodes at 1.36" in result.stdout
