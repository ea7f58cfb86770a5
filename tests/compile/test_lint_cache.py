"""The lint cache: findings reused while nothing that decides them changed, identical either way."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from litellm_cfn.compile import lint, lint_cache
from litellm_cfn.compile.build import build
from litellm_cfn.compile.lint import Finding, lint_templates
from litellm_cfn.compile.lint_cache import cache_folder, lint_cached, load, save, template_keys
from litellm_cfn.errors import BuildError
from nested_stacks import vpc
from tests.compile.test_build import broken_stack
from tests.conftest import spec_from

SPEC = spec_from("name: demo\n")
REGION = "us-east-1"
FILES = ["root.yaml", "a.yaml", "b.yaml"]
# A root that names two nested templates (cfn-lint follows TemplateURL into them to check the
# parameters, E3043), one of which gives a warning: an unused parameter (W2001).
TEMPLATES = {
    "root.yaml": """
        Metadata: {cfn-lint: {config: {ignore_checks: [W3002]}}}
        Resources:
          AStack:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: a.yaml, Parameters: {Name: alerts}}
          BStack:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: b.yaml}
        """,
    "a.yaml": """
        Parameters: {Name: {Type: String}}
        Resources:
          Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Name}}
        """,
    "b.yaml": """
        Parameters: {Unused: {Type: String, Default: x}}
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """,
}
BROKEN = """
    Resources:
      Bad: {Type: AWS::EC2::Subnet, Properties: {CidrBlock: not-a-cidr, VpcId: vpc-123}}
    """


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own cache folder; returns where the entries go."""
    monkeypatch.setenv("LITELLM_CFN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "lint"


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files of every cfn-lint run, in order (cfn-lint still runs)."""
    runs: list[list[str]] = []

    def spy(folder: Path, files: list[str], region: str) -> list[Finding]:
        runs.append(list(files))
        return lint_templates(folder, files, region)

    monkeypatch.setattr(lint, "lint_templates", spy)
    return runs


@pytest.fixture
def faked(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files of every lint run, where a run gives each file one warning, without cfn-lint
    (fast: for what the cache does with findings, not for what cfn-lint finds)."""
    runs: list[list[str]] = []

    def fake(_folder: Path, files: list[str], _region: str) -> list[Finding]:
        runs.append(list(files))
        return [Finding(file, "Parameters/Unused", "W2001", f"{file}: unused") for file in files]

    monkeypatch.setattr(lint, "lint_templates", fake)
    return runs


def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, running cfn-lint fails the test."""

    def refuse(*_args: object) -> list[Finding]:
        raise AssertionError("cfn-lint ran on a cache hit")

    monkeypatch.setattr(lint, "lint_templates", refuse)


def write(folder: Path, templates: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


def cli_build(spec: Path, out: Path, *flags: str):
    """The build command over the VPC stack alone (cfn-lint runs faster over fewer templates)."""
    from litellm_cfn.cli import cli
    from litellm_cfn.cli.options import Platform

    args = ["build", str(spec), "--out", str(out), *flags]
    return CliRunner().invoke(cli, args, obj=Platform(stacks=(vpc,)))


def modules_after_build(spec: Path, out: Path, *flags: str) -> set[str]:
    """The top-level modules and our compile modules a fresh process imported to build."""
    probe = (
        "import sys\n"
        "from litellm_cfn.cli import cli\n"
        "from litellm_cfn.cli.options import Platform\n"
        "from nested_stacks import vpc\n"
        f"args = ['build', {str(spec)!r}, '--out', {str(out)!r}, *{list(flags)!r}]\n"
        "cli.main(args, obj=Platform(stacks=(vpc,)), standalone_mode=False)\n"
        "print(' '.join(m if m.startswith('litellm_cfn') else m.split('.')[0] "
        "for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.splitlines()[-1].split())


def test_an_unchanged_build_reuses_the_findings_without_running_cfn_lint(tmp_path, linted):
    first = build(SPEC, tmp_path / "out", stacks=(vpc,))
    assert linted == [["root.yaml", "vpc.yaml"]]
    with pytest.MonkeyPatch.context() as patch:
        no_lint(patch)
        again = build(SPEC, tmp_path / "out", stacks=(vpc,))
    assert again.lint_warnings == first.lint_warnings
    assert again.linted


def test_a_cache_hit_never_imports_cfn_lint_and_no_lint_never_imports_the_cache(
    tmp_path, write_spec
):
    spec = write_spec("name: demo\n")
    assert cli_build(spec, tmp_path / "out").exit_code == 0
    hit = modules_after_build(spec, tmp_path / "out")
    assert "litellm_cfn.compile.lint_cache" in hit, "the probe built through the cache"
    assert "cfnlint" not in hit
    skipped = modules_after_build(spec, tmp_path / "out", "--no-lint")
    assert "litellm_cfn.compile.lint_cache" not in skipped
    assert "cfnlint" not in skipped


def test_a_changed_nested_template_relints_it_and_the_root_but_not_the_others(tmp_path, linted):
    folder = write(tmp_path / "t", TEMPLATES)
    before = lint_cached(folder, FILES, REGION)
    (folder / "a.yaml").write_text((folder / "a.yaml").read_text() + "# changed\n")
    after = lint_cached(folder, FILES, REGION)
    (folder / "root.yaml").write_text((folder / "root.yaml").read_text() + "# changed\n")
    lint_cached(folder, FILES, REGION)
    assert linted == [FILES, ["root.yaml", "a.yaml"], ["root.yaml"]]
    assert after == before == lint_templates(folder, FILES, REGION)


def test_another_cfn_lint_version_configuration_or_region_misses(tmp_path, faked, monkeypatch):
    folder = write(tmp_path / "t", TEMPLATES)
    lint_cached(folder, FILES, REGION)
    lint_cached(folder, FILES, "eu-west-1")
    monkeypatch.setattr(lint_cache, "version", lambda _name: "0.0.1")
    lint_cached(folder, FILES, REGION)
    monkeypatch.setattr(lint, "CONFIG", {**lint.CONFIG, "args": ["--include-experimental"]})
    lint_cached(folder, FILES, REGION)
    lint_cached(folder, FILES, REGION)
    assert faked == [FILES, FILES, FILES, FILES]


def entry(key: str, **fields: object) -> bytes:
    """An entry for `key` as we write it, with `fields` changed."""
    document = {"format": lint_cache.ENTRY_FORMAT, "key": key, "findings": [], **fields}
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "bad_entry",
    [
        lambda key: b"\xff\xfe not text",
        lambda key: entry(key)[:-10],
        lambda key: b"[" * 100_000,
        lambda key: b"[]",
        lambda key: entry(key, format="someone else's cache 1"),
        lambda key: entry("another key"),
        lambda key: entry(key, findings={"b.yaml": []}),
        lambda key: entry(key, findings=[{"file": "b.yaml", "rule": "W2001"}]),
        lambda key: entry(key, findings=[["b.yaml", "Parameters", "W2001", "not used"]]),
        lambda key: entry(key, findings=[{"file": 1, "path": "", "rule": "", "message": ""}]),
        None,  # a folder where the entry should be: unreadable, and never replaced
    ],
    ids=[
        "not-text",
        "truncated",
        "too-deep",
        "a-list",
        "foreign-format",
        "another-key",
        "findings-not-a-list",
        "finding-missing-fields",
        "finding-not-an-object",
        "finding-not-text",
        "a-folder",
    ],
)
def test_a_corrupt_foreign_or_unreadable_entry_is_a_miss(tmp_path, faked, store, bad_entry):
    folder = write(tmp_path / "t", TEMPLATES)
    expected = lint_cached(folder, FILES, REGION)
    key = template_keys(folder, FILES, REGION)["b.yaml"]
    path = store / f"{key}.json"
    path.unlink()
    if bad_entry is None:
        path.mkdir()
    else:
        path.write_bytes(bad_entry(key))
    assert lint_cached(folder, FILES, REGION) == expected
    assert faked == [FILES, ["b.yaml"]]


def test_a_corrupt_entry_is_replaced_by_a_good_one(tmp_path, faked, store):
    folder = write(tmp_path / "t", TEMPLATES)
    expected = lint_cached(folder, FILES, REGION)
    for entry in store.iterdir():
        entry.write_text("{not json")
    assert lint_cached(folder, FILES, REGION) == expected
    assert lint_cached(folder, FILES, REGION) == expected
    assert faked == [FILES, FILES]
    assert len(list(store.iterdir())) == len(FILES), "one file per key, no temporary left"


def test_an_unwritable_cache_folder_still_builds_and_lints(
    tmp_path, write_spec, linted, monkeypatch
):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("LITELLM_CFN_CACHE_DIR", str(blocker / "cache"))
    spec = write_spec("name: demo\n")
    for _ in range(2):
        result = cli_build(spec, tmp_path / "out")
        assert result.exit_code == 0, result.output
        assert "cfn-lint: 0 errors, 0 warnings" in result.stdout
        assert "Traceback" not in result.output
    assert linted == [["root.yaml", "vpc.yaml"]] * 2
    assert blocker.read_text() == "a file where the cache folder would go"


def test_no_lint_cache_lints_every_time_and_neither_reads_nor_writes(
    tmp_path, write_spec, faked, store
):
    spec = write_spec("name: demo\n")

    def built(*flags: str) -> dict[str, tuple[bytes, int]]:
        result = cli_build(spec, tmp_path / "out", *flags)
        assert result.exit_code == 0, result.output
        entries = store.iterdir() if store.exists() else ()
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in entries}

    assert built("--no-lint-cache") == built("--no-lint-cache") == {}
    filled = built()
    assert len(filled) == 2
    assert built("--no-lint-cache") == filled
    assert built() == filled
    # Linted: both --no-lint-cache builds, the plain build, --no-lint-cache again despite the
    # entries; not the last plain build.
    assert faked == [["root.yaml", "vpc.yaml"]] * 4


def test_stored_findings_load_exactly_as_they_were(store):
    findings = [
        Finding("b.yaml", "Resources/Bad/Properties/CidrBlock", "E3031", 'not a "CIDR"\n'),
        Finding("b.yaml", "Parameters/Unused", "W2001", "Parameter Unused not used."),
        Finding("é.yaml", "line 3", "W1001", "ünïcode \udc80 and\ttabs"),
    ]
    save(store, "k1", findings)
    save(store, "k2", [])
    assert load(store, "k1") == findings
    assert load(store, "k2") == []
    assert load(store, "k3") is None


def test_findings_with_warnings_and_errors_are_identical_with_and_without_the_cache(
    tmp_path, linted, monkeypatch
):
    folder = write(tmp_path / "t", {**TEMPLATES, "broken.yaml": BROKEN})
    files = [*FILES, "broken.yaml"]
    direct = lint_templates(folder, files, REGION)
    assert {f.rule[0] for f in direct} == {"E", "W"}, "the fixture gives both kinds"
    cold = lint_cached(folder, files, REGION)
    no_lint(monkeypatch)
    warm = lint_cached(folder, files, REGION)
    assert [str(f) for f in warm] == [str(f) for f in cold] == [str(f) for f in direct]
    assert warm == cold == direct


def test_a_cached_lint_error_still_fails_the_build(tmp_path, monkeypatch):
    stacks = (vpc, broken_stack())
    with pytest.raises(BuildError) as first:
        build(SPEC, tmp_path / "out", stacks=stacks)
    no_lint(monkeypatch)
    with pytest.raises(BuildError) as again:
        build(SPEC, tmp_path / "out", stacks=stacks)
    assert str(again.value) == str(first.value)
    assert "broken.yaml:Resources/Bad/Properties/CidrBlock: E" in str(again.value)
    assert not (tmp_path / "out").exists()


def test_findings_that_name_no_linted_template_are_not_cached(tmp_path, store, monkeypatch):
    folder = write(tmp_path / "t", TEMPLATES)
    config_error = Finding("", "line 1", "E0000", "cfn-lint could not start")
    monkeypatch.setattr(lint, "lint_templates", lambda *_: [config_error])
    assert lint_cached(folder, FILES, REGION) == [config_error]
    assert not store.exists()


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "cache" / "lint"
    monkeypatch.delenv("LITELLM_CFN_CACHE_DIR")
    assert cache_folder() == tmp_path / "xdg" / "litellm-cfn" / "lint"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache_folder() == tmp_path / "home" / ".cache" / "litellm-cfn" / "lint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == tmp_path / "home" / ".cache" / "litellm-cfn" / "lint"
