"""The `eks` section: access, endpoint, node group and add-on rules."""

from __future__ import annotations

import pytest

from litellm_cfn.spec.node_groups import ami_type_for, node_group_id
from tests.conftest import assert_located, spec_from

BAD = [
    (
        "eks: {imds_hop_limit: 0}\n",
        "platform.yaml:2:7: eks.imds_hop_limit: must be >= 1, got 0",
    ),
    (
        "eks: {imds_hop_limit: 65}\n",
        "platform.yaml:2:7: eks.imds_hop_limit: must be <= 64, got 65",
    ),
    (
        "eks:\n  endpoint_public_access: true\n",
        "platform.yaml:2:1: eks.public_access_cidrs: list who may reach the public endpoint",
    ),
    (
        "eks:\n  public_access_cidrs: [203.0.113.0/24]\n",
        "platform.yaml:3:3: eks.public_access_cidrs: only applies with endpoint_public_access",
    ),
    (
        "eks:\n  endpoint_public_access: true\n  public_access_cidrs: [nowhere]\n",
        "platform.yaml:4:25: eks.public_access_cidrs[0]: 'nowhere' is not an IPv4 CIDR block",
    ),
    (
        "eks:\n  endpoint_public_access: true\n  public_access_cidrs: [203.0.113.7/24]\n",
        "platform.yaml:4:25: eks.public_access_cidrs[0]: '203.0.113.7/24' has host bits set; "
        "did you mean 203.0.113.0/24?",
    ),
    (
        "eks:\n  admin_principal_arns: [arn:aws:sts::123456789012:assumed-role/Admin/me]\n",
        "platform.yaml:3:26: eks.admin_principal_arns[0]: "
        "'arn:aws:sts::123456789012:assumed-role/Admin/me' is not an IAM role or user ARN",
    ),
    (
        "eks:\n  node_groups:\n    gpu-nodes: {}\n    gpu_nodes: {}\n",
        "platform.yaml:5:5: eks.node_groups.gpu_nodes: names the same resources as 'gpu-nodes'",
    ),
    (
        "eks:\n  node_groups:\n    mixed: {instance_types: [m6g.large, m5.large]}\n",
        "platform.yaml:4:41: eks.node_groups.mixed.instance_types[1]: 'm5.large' needs "
        "AL2023_x86_64_STANDARD but 'm6g.large' needs AL2023_ARM_64_STANDARD",
    ),
    (
        "eks:\n  node_groups:\n    arm:\n      instance_types: [m6g.large]\n"
        "      ami_type: AL2023_x86_64_STANDARD\n",
        "platform.yaml:5:24: eks.node_groups.arm.instance_types[0]: 'm6g.large' cannot run "
        "ami_type AL2023_x86_64_",
    ),
    (
        "eks:\n  addons:\n    istio: {}\n",
        "platform.yaml:4:5: eks.addons.istio: key: must be one of 'vpc-cni', 'coredns'",
    ),
    (
        "eks:\n  addons:\n    coredns: {version: latest}\n",
        "platform.yaml:4:15: eks.addons.coredns.version: 'latest' is not an EKS add-on version",
    ),
    (
        "eks: {log_retention_days: 100}\n",
        "platform.yaml:2:7: eks.log_retention_days: 100 is not a retention CloudWatch Logs accepts",
    ),
    (
        "eks:\n  node_groups:\n    d: {max_unavailable: 0}\n",
        "platform.yaml:4:9: eks.node_groups.d.max_unavailable: must be >= 1, got 0",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_eks_settings_are_refused_with_a_located_message(text, expected):
    assert_located("name: demo\n" + text, expected)


def test_eks_defaults_are_private_and_protected():
    eks = spec_from("name: demo\n").eks
    assert eks.endpoint_public_access is False
    assert eks.public_access_cidrs == ()
    assert eks.authentication_mode == "API_AND_CONFIG_MAP"
    assert eks.cluster_creator_admin is True
    assert eks.imds_hop_limit == 1
    assert eks.log_retention_days == 90
    assert spec_from("name: demo\n").protects(eks.deletion_protection) is True
    assert spec_from("name: demo\nenvironment: dev\n").protects(None) is False


@pytest.mark.parametrize(
    ("instance_type", "ami"),
    [
        ("m6i.large", "AL2023_x86_64_STANDARD"),
        ("t3a.medium", "AL2023_x86_64_STANDARD"),
        ("m6g.large", "AL2023_ARM_64_STANDARD"),
        ("c7gn.xlarge", "AL2023_ARM_64_STANDARD"),
        ("t4g.small", "AL2023_ARM_64_STANDARD"),
        ("g5.xlarge", "AL2023_x86_64_NVIDIA"),
        ("p4d.24xlarge", "AL2023_x86_64_NVIDIA"),
        ("g5g.xlarge", "AL2023_ARM_64_NVIDIA"),
        ("g4ad.xlarge", "AL2023_x86_64_STANDARD"),
        ("inf2.xlarge", "AL2023_x86_64_NEURON"),
        ("trn1.2xlarge", "AL2023_x86_64_NEURON"),
    ],
)
def test_the_ami_follows_the_instance_types_cpu_and_accelerator(instance_type, ami):
    assert ami_type_for(instance_type) == ami


def test_an_explicit_ami_type_wins():
    group = spec_from(
        "name: demo\neks:\n  node_groups:\n    d: {ami_type: AL2023_x86_64_NVIDIA}\n"
    ).eks.node_groups["d"]
    assert group.resolved_ami_type == "AL2023_x86_64_NVIDIA"


def test_node_group_names_become_logical_ids():
    assert node_group_id("default") == "Default"
    assert node_group_id("gpu-nodes") == "GpuNodes"
    assert node_group_id("ml_GPU") == "MlGPU"
