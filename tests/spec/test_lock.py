"""The version lock beside a spec: applied at load time, refused for another Kubernetes
version, and built into the templates deterministically."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from litellm_cfn.cli import cli
from litellm_cfn.errors import SpecError
from litellm_cfn.spec import load_spec
from litellm_cfn.spec.lock import Lock, lock_path, render_lock

LOCKED = {
    "coredns": "v1.12.4-eksbuild.1",
    "kube-proxy": "v1.36.0-eksbuild.2",
    "vpc-cni": "v1.20.4-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.9-eksbuild.3",
    "aws-ebs-csi-driver": "v1.50.1-eksbuild.1",
}


def write_lock(spec_path, version="1.36", addons=LOCKED):
    lock_path(spec_path).write_text(render_lock(Lock(kubernetes_version=version, addons=addons)))


def test_the_lock_sits_beside_the_spec_and_is_no_yaml_spec(tmp_path):
    assert lock_path(tmp_path / "platform.yaml") == tmp_path / "platform.lock.json"
    assert not lock_path(tmp_path / "dev.yaml").name.endswith(".yaml")


def test_every_add_on_the_spec_does_not_pin_takes_the_locks_version(write_spec):
    spec_path = write_spec(
        'name: demo\neks:\n  cluster_version: "1.36"\n'
        "  addons:\n    coredns: {version: v1.12.1-eksbuild.9}\n"
    )
    write_lock(spec_path)
    loaded = load_spec(spec_path)
    assert loaded.lock == lock_path(spec_path)
    versions = {name: addon.version for name, addon in loaded.spec.eks.addons.items()}
    assert versions == {**LOCKED, "coredns": "v1.12.1-eksbuild.9"}  # the spec's pin wins
    assert load_spec(spec_path, with_lock=False).spec.eks.addons["coredns"].version == (
        "v1.12.1-eksbuild.9"
    )


def test_a_lock_made_for_another_kubernetes_version_is_refused_where_it_says_so(write_spec):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    write_lock(spec_path, version="1.35")
    with pytest.raises(SpecError) as refused:
        load_spec(spec_path)
    (problem,) = refused.value.problems
    assert str(problem) == (
        f"{lock_path(spec_path)}:3:3: kubernetes_version: the lock was made for Kubernetes "
        f"1.35, the spec asks for 1.36: run `litellm-cfn lock {spec_path}`"
    )
    result = CliRunner().invoke(cli, ["validate", str(spec_path)])
    assert result.exit_code == 2
    assert "run `litellm-cfn lock" in result.stderr


def test_a_lock_that_is_no_lock_is_refused_with_every_problem_located(write_spec):
    spec_path = write_spec("name: demo\n")
    lock_path(spec_path).write_text(
        json.dumps({"kubernetes_version": "1.36", "addons": {"coredns": "latest", "x": "v1"}})
    )
    result = CliRunner().invoke(cli, ["build", str(spec_path), "--no-lint", "--out", "o"])
    assert result.exit_code == 2, result.output
    assert f"{lock_path(spec_path)}:1:" in result.stderr
    assert "addons.coredns" in result.stderr
    assert "is not an EKS add-on version" in result.stderr


def test_a_locked_build_pins_every_add_on_and_is_the_same_every_time(write_spec, tmp_path):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    write_lock(spec_path)
    built = []
    for out in ("a", "b"):
        result = CliRunner().invoke(
            cli, ["build", str(spec_path), "--no-lint", "--out", str(tmp_path / out)]
        )
        assert result.exit_code == 0, result.output
        built.append((tmp_path / out / "eks.yaml").read_text())
    assert built[0] == built[1]
    for version in LOCKED.values():
        assert f"AddonVersion: {version}" in built[0]


def test_validate_says_where_the_add_on_versions_come_from(write_spec):
    spec_path = write_spec('name: demo\neks:\n  cluster_version: "1.36"\n')
    unlocked = CliRunner().invoke(cli, ["validate", str(spec_path)])
    assert unlocked.stdout.rstrip().endswith(
        "Add-on versions: EKS's defaults when each add-on is created; raising "
        "eks.cluster_version will not move them. Pin them with "
        f"`litellm-cfn lock {spec_path}` (a lock file beside the spec)"
    )
    write_lock(spec_path)
    locked = CliRunner().invoke(cli, ["validate", str(spec_path)])
    assert locked.stdout.rstrip().endswith(
        "Add-on versions: pinned, from platform.lock.json (Kubernetes 1.36)"
    )
