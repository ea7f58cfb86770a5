"""cfn-lint findings cached by content, so an unchanged template is not linted again.

Each template's findings are one entry, keyed on everything that decides them: the template's
name and sha256; for a template that names others through TemplateURL (the root), the sha256
of every other template, since cfn-lint follows the URLs into them; cfn-lint's version, read
from its installed metadata so that a hit never imports cfn-lint; `lint.CONFIG`; the
.cfnlintrc files cfn-lint reads on its own; and the region. Entries live under `lint/` in
`$LITELLM_CFN_CACHE_DIR`, else `$XDG_CACHE_HOME/litellm-cfn`, else `~/.cache/litellm-cfn`.

The cache only ever saves time: an entry that cannot be read or is not ours is a miss, and a
folder that cannot be written is left alone; the templates are linted either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from litellm_cfn.compile import lint
from litellm_cfn.compile.lint import Finding, sorted_findings

ENTRY_FORMAT = "litellm-cfn lint cache 1"
FIELDS = ("file", "path", "rule", "message")
# Where cfn-lint looks for configuration of its own (its ConfigFileArgs): the home folder, then
# the working folder. Their bytes are part of every key.
RC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")


def lint_cached(folder: Path, files: Sequence[str], region: str) -> list[Finding]:
    """`lint.lint_templates`, reusing each template's findings while its key is unchanged;
    the templates that miss are linted together, in one cfn-lint run."""
    keys = template_keys(folder, files, region)
    if keys is None:
        return lint.lint_templates(folder, files, region)
    store = cache_folder()
    found = {file: load(store, key) for file, key in keys.items()}
    misses = [file for file in files if found[file] is None]
    # Never an empty run: cfn-lint given no templates reads one from standard input.
    fresh = lint.lint_templates(folder, misses, region) if misses else []
    save_each(store, {file: keys[file] for file in misses}, fresh)
    return sorted_findings([*(f for file in files for f in found[file] or ()), *fresh])


def template_keys(folder: Path, files: Sequence[str], region: str) -> dict[str, str] | None:
    """Each file's cache key (None: cfn-lint's version is unknown, so nothing is cached)."""
    try:
        cfn_lint = version("cfn-lint")
    except PackageNotFoundError:
        return None
    texts = {file: (folder / file).read_bytes() for file in files}
    digests = {file: _sha256(text) for file, text in texts.items()}
    shared = {"cfn-lint": cfn_lint, "config": lint.CONFIG, "rc": _rc_digests(), "regions": [region]}
    keys = {}
    for file, text in texts.items():
        # A template naming others through TemplateURL (the root) depends on what they say;
        # matching the bytes errs safe: a false match only relints more often.
        nested = {other: digests[other] for other in files if other != file}
        document = {
            **shared,
            "file": file,
            "sha256": digests[file],
            "nested": nested if b"TemplateURL" in text else {},
        }
        keys[file] = _sha256(json.dumps(document, sort_keys=True).encode())
    return keys


def cache_folder() -> Path | None:
    """The folder of lint entries (None: there is no home folder to keep it in)."""
    if explicit := os.environ.get("LITELLM_CFN_CACHE_DIR"):
        return Path(explicit) / "lint"
    xdg = Path(os.environ.get("XDG_CACHE_HOME", ""))
    if xdg.is_absolute():  # the XDG spec: a relative path is invalid and ignored
        return xdg / "litellm-cfn" / "lint"
    try:
        return Path.home() / ".cache" / "litellm-cfn" / "lint"
    except RuntimeError:
        return None


def load(store: Path | None, key: str) -> list[Finding] | None:
    """The findings stored under `key`, or None for a missing, unreadable or foreign entry."""
    if store is None:
        return None
    try:
        document = json.loads((store / f"{key}.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not (
        isinstance(document, dict)
        and document.get("format") == ENTRY_FORMAT
        and document.get("key") == key
        and isinstance(document.get("findings"), list)
    ):
        return None
    findings = document["findings"]
    if not all(_is_finding(entry) for entry in findings):
        return None
    return [Finding(**entry) for entry in findings]


def save(store: Path | None, key: str, findings: Sequence[Finding]) -> None:
    """Store `findings` under `key`, atomically; a folder that cannot be written is skipped."""
    if store is None:
        return
    document = {"format": ENTRY_FORMAT, "key": key, "findings": [asdict(f) for f in findings]}
    try:
        store.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{key[:12]}-", suffix=".tmp", dir=store)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, separators=(",", ":"))
            temporary.replace(store / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
    except OSError:
        pass


def save_each(store: Path | None, keys: dict[str, str], findings: Sequence[Finding]) -> None:
    """Store each linted file's own findings under its key; store nothing if a finding names
    no file that was linted (cfn-lint's own errors), as it belongs to no one entry."""
    by_file: dict[str, list[Finding]] = {file: [] for file in keys}
    for finding in findings:
        if finding.file not in by_file:
            return
        by_file[finding.file].append(finding)
    for file, key in keys.items():
        save(store, key, by_file[file])


def _is_finding(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and tuple(sorted(entry)) == tuple(sorted(FIELDS))
        and all(isinstance(value, str) for value in entry.values())
    )


def _rc_digests() -> dict[str, str]:
    """The sha256 of each .cfnlintrc cfn-lint may read, by path."""
    places = []
    for where in (Path.home, Path.cwd):
        with contextlib.suppress(RuntimeError, OSError):
            places.append(where())
    digests = {}
    for path in (place / name for place in places for name in RC_NAMES):
        with contextlib.suppress(OSError):
            digests[str(path)] = _sha256(path.read_bytes())
    return digests


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
