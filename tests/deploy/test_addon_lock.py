"""`litellm-cfn lock` against EKS's DescribeAddonVersions.

moto does not model EKS add-ons, so EKS is played back through botocore's Stubber with
answers shaped like the EKS API reference's: each add-on version lists the cluster versions
it is compatible with and whether it is the default there.
"""

from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber
from click.testing import CliRunner

import litellm_cfn.deploy.aws as aws_module
from litellm_cfn.cli import cli
from litellm_cfn.spec import load_spec
from litellm_cfn.spec.lock import lock_path

DEFAULTS = {
    "vpc-cni": "v1.20.4-eksbuild.1",
    "coredns": "v1.12.4-eksbuild.1",
    "kube-proxy": "v1.36.0-eksbuild.2",
    "eks-pod-identity-agent": "v1.3.9-eksbuild.3",
    "aws-ebs-csi-driver": "v1.50.1-eksbuild.1",
}


def answer(name: str, default: str | None, kubernetes: str = "1.36") -> dict:
    """DescribeAddonVersions for one add-on: a newer non-default version, then `default`."""
    versions = [
        {
            "addonVersion": "v9.9.9-eksbuild.1",
            "architecture": ["amd64", "arm64"],
            "compatibilities": [{"clusterVersion": kubernetes, "defaultVersion": False}],
        }
    ]
    if default is not None:
        versions.append(
            {
                "addonVersion": default,
                "architecture": ["amd64", "arm64"],
                "compatibilities": [
                    {"clusterVersion": "1.35", "defaultVersion": False},
                    {"clusterVersion": kubernetes, "defaultVersion": True},
                ],
            }
        )
    return {"addons": [{"addonName": name, "type": "networking", "addonVersions": versions}]}


def stubbed_eks(monkeypatch, answers: dict[str, str | None]) -> Stubber:
    eks = boto3.client(
        "eks", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(eks)
    for name, default in answers.items():
        stubber.add_response(
            "describe_addon_versions",
            answer(name, default),
            {"addonName": name, "kubernetesVersion": "1.36"},
        )
    monkeypatch.setattr(aws_module, "client", lambda service, *args, **kwargs: eks)
    return stubber


def test_lock_writes_each_add_ons_default_for_the_specs_kubernetes_version(write_spec, monkeypatch):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    with stubbed_eks(monkeypatch, DEFAULTS) as stubber:
        result = CliRunner().invoke(cli, ["lock", str(spec_path)])
        stubber.assert_no_pending_responses()
    assert result.exit_code == 0, result.output
    lock = json.loads(lock_path(spec_path).read_text())
    assert lock == {
        "format": 1,
        "kubernetes_version": "1.36",
        "addons": dict(sorted(DEFAULTS.items())),
    }
    assert "  coredns                  v1.12.4-eksbuild.1" in result.stdout
    assert load_spec(spec_path).spec.eks.addons["kube-proxy"].version == "v1.36.0-eksbuild.2"


def test_lock_is_made_again_after_an_upgrade_the_old_lock_does_not_stop_it(write_spec, monkeypatch):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    lock_path(spec_path).write_text(
        json.dumps({"format": 1, "kubernetes_version": "1.35", "addons": {}})
    )
    with stubbed_eks(monkeypatch, DEFAULTS):
        result = CliRunner().invoke(cli, ["lock", str(spec_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(lock_path(spec_path).read_text())["kubernetes_version"] == "1.36"


def test_an_add_on_without_a_default_for_the_version_is_said_and_nothing_is_written(
    write_spec, monkeypatch
):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    answers = {"vpc-cni": DEFAULTS["vpc-cni"], "coredns": None}
    with stubbed_eks(monkeypatch, answers):
        result = CliRunner().invoke(cli, ["lock", str(spec_path)])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "EKS names no default coredns version for Kubernetes 1.36 in this region; pin "
        "eks.addons.coredns.version in the spec instead\n"
    )
    assert not lock_path(spec_path).exists()
