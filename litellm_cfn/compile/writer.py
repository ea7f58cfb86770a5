"""Rendered templates -> an output folder, all or nothing, with a manifest of what was written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from litellm_cfn import __version__
from litellm_cfn.compile.compiler import ROOT_FILE, CompiledPlatform
from litellm_cfn.compile.quotas import quota_breaches
from litellm_cfn.compile.render import to_yaml
from litellm_cfn.errors import BuildError, InputError

MANIFEST = "manifest.json"
GENERATOR = "litellm-cfn"
# Seconds after which a staging or previous folder whose process is gone counts as left over:
# far longer than any build takes, so a build running alongside keeps its own.
STALE_AFTER = 10 * 60


@dataclass(frozen=True)
class OutputKind:
    """A kind of output folder litellm-cfn writes, known by its marker: a JSON file whose
    `generator` is litellm-cfn. Only a folder with that marker is ever replaced."""

    name: str
    marker: str


BUILD_OUTPUT = OutputKind("build output", MANIFEST)


@dataclass(frozen=True)
class RenderedTemplate:
    """One template file's text and what the manifest says about it."""

    file: str
    text: str
    resources: int

    @property
    def sha256(self) -> str:
        """Hex digest of the file's bytes."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def render(compiled: CompiledPlatform) -> list[RenderedTemplate]:
    """Every template as YAML text, refusing any that breaks a CloudFormation quota."""
    rendered, breaches = [], []
    for file, template in compiled.files.items():
        as_dict = template.to_dict()
        text = to_yaml(as_dict)
        breaches += quota_breaches(file, text)
        rendered.append(RenderedTemplate(file, text, len(as_dict.get("Resources", {}))))
    if breaches:
        raise BuildError("\n".join(breaches))
    return rendered


def manifest(platform: str, rendered: list[RenderedTemplate]) -> str:
    """manifest.json: each file's sha256, size and resource count (no timestamps)."""
    document = {
        "generator": f"{GENERATOR} {__version__}",
        "platform": platform,
        "root": ROOT_FILE,
        "templates": {
            r.file: {"bytes": len(r.text.encode()), "resources": r.resources, "sha256": r.sha256}
            for r in rendered
        },
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Write text files into an existing folder."""
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")


@contextmanager
def replacing(out: Path, kind: OutputKind = BUILD_OUTPUT) -> Iterator[Path]:
    """Yield an empty staging folder that replaces `out` only if the block succeeds; `out`
    must be absent, empty, or an earlier output of `kind` (the block writes its marker).

    A failure anywhere (rendering, writing, linting) leaves `out` as it was and no staging
    folder behind, so there is never a half-written output.
    """
    _refuse_foreign_folder(out, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(out)
    stage: Path | None = None
    try:
        with _sigterm_held():  # a SIGTERM now lands once `stage` names what to remove
            stage = Path(
                tempfile.mkdtemp(prefix=f".{out.name}.staging-{os.getpid()}-", dir=out.parent)
            )
        stage.chmod(0o755)
        yield stage
        with _sigterm_held():  # never between the renames
            _swap(stage, out)
    except BaseException:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        raise


@contextmanager
def _sigterm_held() -> Iterator[None]:
    """Hold SIGTERM back for a few system calls: it is delivered, and the program unwinds,
    right after the block (where signals cannot be held, nothing is held)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _swap(stage: Path, out: Path) -> None:
    if not out.exists():
        stage.rename(out)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-{os.getpid()}-", dir=out.parent))
    previous.rmdir()
    out.rename(previous)
    try:
        stage.rename(out)
    except BaseException:  # a failed rename or SIGTERM: put the previous output back
        previous.rename(out)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def sweep_leftovers(out: Path, now: float | None = None) -> list[Path]:
    """Remove the staging and previous folders of `out` that a run killed outright (SIGKILL,
    a power cut) left beside it: only those untouched for STALE_AFTER seconds whose process,
    named in the folder's name, is gone. The folders removed."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:staging|previous)-(?:(\d+)-)?[a-z0-9_]+")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        try:
            if not match or not entry.is_dir(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = match.group(1)
        if age > STALE_AFTER and not (pid and _running(int(pid))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """Whether process `pid` exists here (unknowable off POSIX: then assume it does)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _refuse_foreign_folder(out: Path, kind: OutputKind) -> None:
    """Only an absent folder, an empty one or an earlier output of `kind` may be replaced."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    if not any(out.iterdir()) or _is_output_of(out, kind):
        return
    raise InputError(
        f"{out}: not empty and not a litellm-cfn {kind.name} (no {kind.marker}); "
        "refusing to replace it: choose a new or empty --out folder"
    )


def _is_output_of(folder: Path, kind: OutputKind) -> bool:
    try:
        document = json.loads((folder / kind.marker).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and str(document.get("generator", "")).startswith(GENERATOR)
