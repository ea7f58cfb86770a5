"""`litellm-cfn kube`: from the deployed stack (a local moto server) or from a saved outputs
file with no AWS call at all, with every mistake in that file a located, clear error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import litellm_cfn.deploy.aws
from litellm_cfn.cli import cli
from litellm_cfn.errors import InputError
from litellm_cfn.kube import MANIFESTS, VALUES, write_files
from tests.conftest import REPO
from tests.kube.platform import OUTPUTS, deploy_outputs_stack

SPEC = str(REPO / "specs" / "platform.yaml")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def no_aws(monkeypatch):
    """Any AWS client the command would make fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("kube --outputs made an AWS client")

    monkeypatch.setattr(litellm_cfn.deploy.aws, "client", refuse)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def saved(tmp_path: Path, outputs: object = OUTPUTS) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs) if not isinstance(outputs, str) else outputs)
    return str(path)


def test_kube_prints_the_manifests_in_the_order_they_are_applied(aws):
    deploy_outputs_stack()
    result = run("kube", SPEC)
    assert result.exit_code == 0, result.output
    kinds = [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(result.stdout)]
    assert kinds == [
        ("Namespace", "litellm"),
        ("Namespace", "external-secrets"),
        ("ServiceAccount", "litellm"),
        ("ClusterSecretStore", "litellm-prod-secrets-manager"),
        ("ExternalSecret", "litellm-secrets"),
        ("ExternalSecret", "litellm-database-admin"),
    ]
    assert "values files are written with --out" in result.stderr


def test_kube_from_a_saved_outputs_file_renders_everything_without_aws(no_aws, tmp_path):
    out = tmp_path / "k8s"
    result = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*MANIFESTS, *VALUES, "kube-manifest.json"]
    )
    values = yaml.safe_load((out / "litellm-values.yaml").read_text())
    assert values["masterkeySecretName"] == "litellm-secrets"
    store = yaml.safe_load((out / "secret-store.yaml").read_text())
    assert store["spec"]["provider"]["aws"]["region"] == "us-east-1"


def test_what_outputs_saves_is_what_kube_reads(aws, tmp_path):
    deploy_outputs_stack()
    saved_json = run("outputs", SPEC, "--format", "json")
    assert saved_json.exit_code == 0, saved_json.output
    from_stack = run("kube", SPEC, "--out", str(tmp_path / "a"))
    from_file = run(
        "kube", SPEC, "--outputs", saved(tmp_path, saved_json.stdout), "--out", str(tmp_path / "b")
    )
    assert from_stack.exit_code == from_file.exit_code == 0, from_file.output
    for name in MANIFESTS + VALUES:
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text(), name


def test_the_secrets_region_is_read_from_their_arns_not_guessed(no_aws, tmp_path):
    irish = dict(
        OUTPUTS,
        RdsMasterUserSecretArn=OUTPUTS["RdsMasterUserSecretArn"].replace("us-east-1", "eu-west-1"),
    )
    result = run("kube", SPEC, "--outputs", saved(tmp_path, irish))
    assert result.exit_code == 0, result.output
    store = list(yaml.safe_load_all(result.stdout))[3]
    assert store["spec"]["provider"]["aws"]["region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "outputs.json:1:2: not JSON (Expecting property name enclosed in double quotes)"),
        ("[]", "outputs.json: must be a JSON object of output names to values"),
        ('{"CachePort": 6379}', "outputs.json: 'CachePort' must be a string"),
        ("{}", "outputs.json: the platform's outputs lack LitellmBedrockRoleArn"),
        (
            json.dumps(OUTPUTS | {"CacheEndpoint": "{{ .master_key }}"}),
            "outputs.json: output CacheEndpoint is '{{ .master_key }}', not a host name",
        ),
        (
            json.dumps(OUTPUTS | {"CachePort": "6379/tcp"}),
            "outputs.json: output CachePort is '6379/tcp', not a port number",
        ),
    ],
)
def test_a_bad_outputs_file_is_bad_input_with_its_name(no_aws, tmp_path, content, expected):
    result = run("kube", SPEC, "--outputs", saved(tmp_path, content))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(str(tmp_path / expected.split(":")[0])), result.stderr
    assert expected.split(": ", 1)[1] in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_outputs_file_is_bad_input(no_aws, tmp_path):
    result = run("kube", SPEC, "--outputs", str(tmp_path / "none.json"))
    assert result.exit_code == 2
    assert "none.json: cannot read the outputs file: No such file or directory" in result.stderr


def test_kube_refuses_a_stack_without_the_platforms_outputs(aws):
    deploy_outputs_stack(outputs={"EksClusterName": "litellm-eks"})
    result = run("kube", SPEC)
    assert result.exit_code == 1
    assert "the platform's outputs lack LitellmBedrockRoleArn" in result.stderr
    assert "CacheEndpoint, CachePort, RedisPasswordSecretName" in result.stderr


def test_kube_from_a_stack_without_outputs_says_so(aws):
    deploy_outputs_stack(outputs={})
    result = run("kube", SPEC)
    assert result.exit_code == 1
    assert result.stderr.startswith("stack litellm-prod in us-east-1 has no outputs (it is ")


def test_kube_out_writes_a_manifest_of_its_files(no_aws, tmp_path):
    out = tmp_path / "k8s"
    result = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "kube-manifest.json").read_text())
    assert manifest["generator"].startswith("litellm-cfn ")
    assert manifest["platform"] == "litellm-prod"
    assert sorted(manifest["files"]) == sorted(MANIFESTS + VALUES)
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert f"wrote {out / 'kube-manifest.json'}" in result.stdout.splitlines()


def test_a_second_kube_replaces_its_own_output_whole(no_aws, tmp_path):
    out = tmp_path / "k8s"
    first = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(out))
    assert first.exit_code == 0, first.output
    (out / "stale.yaml").write_text("left over")
    second = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(out))
    assert second.exit_code == 0, second.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*MANIFESTS, *VALUES, "kube-manifest.json"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k8s", "outputs.json"]


@pytest.mark.parametrize("marker", [None, "manifest.json"], ids=["foreign", "build-output"])
def test_kube_never_replaces_a_folder_that_is_not_its_output(no_aws, tmp_path, marker):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    if marker:
        (out / marker).write_text('{"generator": "litellm-cfn 1.0"}')
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"{out}: not empty and not a litellm-cfn kube output (no kube-manifest.json); "
        "refusing to replace it: choose a new or empty --out folder\n"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs.json", "precious"]


def test_kube_refuses_a_file_where_its_folder_would_go(no_aws, tmp_path):
    file = tmp_path / "k8s"
    file.write_text("a file")
    result = run("kube", SPEC, "--outputs", saved(tmp_path), "--out", str(file))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--out': Directory '{file}' is a file." in result.stderr
    with pytest.raises(InputError, match="exists and is not a folder; choose another --out"):
        write_files(file, "litellm-prod", {"namespaces.yaml": "{}\n"})
    assert file.read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k8s", "outputs.json"]
