"""cfn-lint, in-process: one runner, rules loaded once, over every template a build wrote.

cfn-lint is imported here only, so `build --no-lint` never pays for loading it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The arguments cfn-lint is given: none, so its default rules (and any .cfnlintrc it finds).
ARGS: tuple[str, ...] = ()
# What decides the findings besides the templates, the region, cfn-lint's version and its
# .cfnlintrc files; the lint cache keys every entry on it. Bump "finding" whenever a match
# becomes a Finding differently.
CONFIG: dict[str, object] = {"args": list(ARGS), "finding": 1}


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match, named by template file and CloudFormation path."""

    file: str
    path: str
    rule: str
    message: str

    @property
    def is_error(self) -> bool:
        """E-rules fail a build; W-rules are reported."""
        return self.rule.startswith("E")

    def __str__(self) -> str:
        return f"{self.file}:{self.path}: {self.rule}: {self.message}"


def lint_templates(folder: Path, files: Sequence[str], region: str) -> list[Finding]:
    """Lint `files` (relative to `folder`, so nested TemplateURLs resolve) for `region`."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(list(ARGS), templates=[str(folder / f) for f in files], regions=[region])
    return sorted_findings(
        Finding(
            file=Path(match.filename or "").name,
            path="/".join(str(p) for p in getattr(match, "path", None) or ())
            or f"line {match.linenumber}",
            rule=match.rule.id,
            message=match.message,
        )
        for match in Runner(config).run()
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by file, errors first, then by path and rule (stable: cfn-lint's order)."""
    return sorted(findings, key=lambda f: (f.file, not f.is_error, f.path, f.rule))
