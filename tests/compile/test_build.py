"""Building: all-or-nothing output folders, the manifest, quotas, and cfn-lint's verdict."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from troposphere import MAX_RESOURCES, Template, ec2

from litellm_cfn.compile.build import build
from litellm_cfn.compile.compiler import CompiledPlatform
from litellm_cfn.compile.lint import lint_templates
from litellm_cfn.compile.quotas import MAX_TEMPLATE_BYTES, quota_breaches
from litellm_cfn.compile.writer import render
from litellm_cfn.errors import BuildError, InputError
from litellm_cfn.spec import load_spec
from nested_stacks import STACKS
from tests.conftest import BUILT_FILES, GOOD_FIXTURES, SPECS, spec_from

SPEC = spec_from("name: demo\n")


def broken_stack():
    """A stack whose template cfn-lint rejects: a subnet in no VPC with a bad CIDR."""

    def build_template(_spec):
        template = Template()
        template.add_resource(ec2.Subnet("Bad", CidrBlock="not-a-cidr", VpcId="vpc-123"))
        return template

    return SimpleNamespace(NAME="broken", enabled=lambda _spec: True, build=build_template)


def test_build_writes_every_template_and_a_manifest_of_them(tmp_path):
    out = tmp_path / "out"
    result = build(SPEC, out, lint=False)
    assert sorted(p.name for p in out.iterdir()) == BUILT_FILES
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root"] == "root.yaml"
    assert manifest["platform"] == "demo-prod"
    assert manifest["generator"].startswith("litellm-cfn ")
    assert set(manifest["templates"]) == set(BUILT_FILES) - {"manifest.json"}
    for name, entry in manifest["templates"].items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert manifest["templates"]["vpc.yaml"]["resources"] == 41
    assert [t.file for t in result.templates] == [
        "root.yaml",
        "vpc.yaml",
        "eks.yaml",
        "rds.yaml",
        "cache.yaml",
        "secrets.yaml",
        "iam.yaml",
    ]


def test_a_rebuild_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "out"
    build(SPEC, out, lint=False)
    (out / "stale.yaml").write_text("left over")
    build(SPEC, out, lint=False)
    assert not (out / "stale.yaml").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_lint_failure_leaves_the_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    build(SPEC, out, lint=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(BuildError) as caught:
        build(SPEC, out, lint=True, stacks=(*STACKS, broken_stack()))
    message = str(caught.value)
    assert "broken.yaml:Resources/Bad/Properties/CidrBlock: E" in message
    assert f"{out} was left unchanged" in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no staging folder left behind"


def test_a_failed_first_build_leaves_no_folder_at_all(tmp_path):
    with pytest.raises(BuildError):
        build(SPEC, tmp_path / "new", lint=True, stacks=(*STACKS, broken_stack()))
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_build_output_is_never_replaced(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InputError, match="refusing to replace it"):
        build(SPEC, tmp_path, lint=False)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    file = tmp_path / "a-file"
    file.write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        build(SPEC, file, lint=False)


def test_an_empty_folder_may_become_the_output(tmp_path):
    build(SPEC, tmp_path, lint=False)
    assert (tmp_path / "manifest.json").exists()


def test_an_unwritable_location_is_an_input_error(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder would go")
    with pytest.raises(InputError, match="cannot write the build output"):
        build(SPEC, blocker / "out", lint=False)


def test_templates_over_the_size_quota_are_refused():
    assert quota_breaches("big.yaml", "x" * (MAX_TEMPLATE_BYTES + 1)) == [
        "big.yaml: 1,048,577 bytes exceeds CloudFormation's limit of 1,048,576 per template",
    ]
    assert quota_breaches("ok.yaml", "x" * MAX_TEMPLATE_BYTES) == []


def test_a_stack_that_outgrows_the_resource_quota_fails_the_build_clearly(tmp_path):
    def build_template(_spec):
        template = Template()
        for index in range(MAX_RESOURCES + 1):
            template.add_resource(ec2.EIP(f"Eip{index}", Domain="vpc"))
        return template

    big = SimpleNamespace(NAME="big", enabled=lambda _spec: True, build=build_template)
    with pytest.raises(BuildError) as caught:
        build(SPEC, tmp_path / "out", lint=False, stacks=(big,))
    assert str(caught.value) == (
        "big.yaml: more than 500 resources exceeds CloudFormation's limit of 500 per template"
    )
    assert not (tmp_path / "out").exists()


def test_rendering_refuses_a_template_too_large_to_deploy():
    template = Template(Description="x" * MAX_TEMPLATE_BYTES)
    with pytest.raises(BuildError, match=r"huge\.yaml: 1,048,6"):
        render(CompiledPlatform({"huge.yaml": template}))


@pytest.mark.parametrize("path", SPECS + GOOD_FIXTURES, ids=lambda p: p.name)
def test_every_spec_builds_with_no_lint_errors_or_warnings(path, tmp_path):
    spec = load_spec(path).spec
    result = build(spec, tmp_path / "out", lint=True)
    assert result.lint_warnings == []
    findings = lint_templates(tmp_path / "out", [t.file for t in result.templates], spec.region)
    assert findings == []


def test_lint_checks_the_wiring_between_root_and_nested_templates(tmp_path):
    build(SPEC, tmp_path, lint=False)
    root = tmp_path / "root.yaml"
    root.write_text(
        root.read_text().replace(
            "TemplateURL: vpc.yaml", "TemplateURL: vpc.yaml\n      Parameters:\n        Nope: x"
        )
    )
    files = [f for f in BUILT_FILES if f.endswith(".yaml")]
    findings = lint_templates(tmp_path, files, "us-east-1")
    assert [f.rule for f in findings] == ["E3043"]
    assert str(findings[0]).startswith("root.yaml:Resources/VpcStack/Properties/Parameters")


def test_one_lint_loads_the_rules_once_for_all_templates(tmp_path, monkeypatch):
    import cfnlint.runner

    created = []
    real_init = cfnlint.runner.Runner.__init__

    def counting_init(self, config):
        created.append(config.templates)
        real_init(self, config)

    monkeypatch.setattr(cfnlint.runner.Runner, "__init__", counting_init)
    # An empty lint cache, so that every template is linted (in one run).
    monkeypatch.setenv("LITELLM_CFN_CACHE_DIR", str(tmp_path / "cache"))
    build(SPEC, tmp_path / "out", lint=True)
    assert len(created) == 1
    assert sorted(Path(t).name for t in created[0]) == [
        f for f in BUILT_FILES if f != "manifest.json"
    ]


def test_a_template_deployed_to_several_regions_is_linted_for_each(tmp_path, monkeypatch):
    import litellm_cfn.compile.lint as lint

    linted: list[str] = []
    real = lint.lint_templates

    def recording(folder, files, region):
        linted.append(region)
        return real(folder, files, region)

    monkeypatch.setattr(lint, "lint_templates", recording)
    build(SPEC, tmp_path / "out", lint_cache=False, regions=("eu-west-1", "ap-southeast-2"))
    assert linted == ["eu-west-1", "ap-southeast-2"]
    build(SPEC, tmp_path / "out", lint_cache=False)
    assert linted[2:] == [SPEC.region]
