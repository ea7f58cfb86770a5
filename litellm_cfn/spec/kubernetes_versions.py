"""EKS's Kubernetes version calendar: which versions EKS creates, and at what cost, on a date.

Source: the Amazon EKS User Guide, "Understand the Kubernetes version lifecycle on EKS",
section "Amazon EKS Kubernetes release calendar"
(https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html), read on
2026-12-01. A minor version has 14 months of standard support, then 12 months of extended
support billed per cluster hour; "On the end of extended support date, you can no longer
create new Amazon EKS clusters with the unsupported version" (kubernetes-versions-extended.html).
1.36's release is confirmed by "Review release notes for Kubernetes versions on standard
support" (kubernetes-versions-standard.html); its two end dates follow the 14 + 12 month rule.

The default version is a constant chosen from this table when it was last read, never computed
from the clock, so the same spec always builds the same templates. The clock only decides
what `validate` refuses or warns about; tests and CI pin it with LITELLM_CFN_TODAY.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone

from litellm_cfn.errors import InputError

CALENDAR_READ_ON = date(2026, 12, 1)
TODAY_VARIABLE = "LITELLM_CFN_TODAY"
# Warn this many days before a version leaves standard support: time to plan an upgrade.
STANDARD_SUPPORT_WARNING_DAYS = 60


@dataclass(frozen=True)
class VersionLifecycle:
    """One Kubernetes minor version on EKS: release, end of standard, end of extended support."""

    version: str
    released: date
    end_of_standard: date
    end_of_extended: date

    def support_on(self, day: date) -> str:
        """`standard`, `extended` or `retired` (EKS creates no new cluster at it) on `day`."""
        if day < self.end_of_standard:
            return "standard"
        if day < self.end_of_extended:
            return "extended"
        return "retired"


CALENDAR = tuple(
    VersionLifecycle(version, date.fromisoformat(released), date.fromisoformat(standard),
                     date.fromisoformat(extended))
    for version, released, standard, extended in (
        ("1.29", "2024-01-23", "2025-03-23", "2026-03-23"),
        ("1.30", "2024-05-23", "2025-07-23", "2026-07-23"),
        ("1.31", "2024-09-26", "2025-11-26", "2026-11-26"),
        ("1.32", "2025-01-23", "2026-03-23", "2027-03-23"),
        ("1.33", "2025-05-29", "2026-07-29", "2027-07-29"),
        ("1.34", "2025-10-02", "2026-12-02", "2027-12-02"),
        ("1.35", "2026-01-27", "2027-03-27", "2028-03-27"),
        ("1.36", "2026-06-02", "2027-08-02", "2028-08-02"),
    )
)  # fmt: skip
# The newest version in standard support on CALENDAR_READ_ON.
DEFAULT_VERSION = "1.36"
_BY_VERSION = {entry.version: entry for entry in CALENDAR}


def minor(version: str) -> int:
    """`1.36` -> 36."""
    return int(version.split(".")[1])


def lifecycle(version: str) -> VersionLifecycle | None:
    """The calendar entry of `version`, or None for one the calendar does not list."""
    return _BY_VERSION.get(version)


def support_on(version: str, day: date) -> str:
    """`standard`, `extended`, `retired`, or `unlisted` (newer than this calendar, or older
    than its first entry, which is long retired)."""
    entry = lifecycle(version)
    if entry is not None:
        return entry.support_on(day)
    return "unlisted" if minor(version) > minor(CALENDAR[-1].version) else "retired"


def creatable_on(day: date) -> list[str]:
    """The versions EKS creates clusters at on `day`, oldest first."""
    return [entry.version for entry in CALENDAR if entry.support_on(day) != "retired"]


def today() -> date:
    """The date version checks use: LITELLM_CFN_TODAY (YYYY-MM-DD) if set, else today in UTC."""
    pinned = os.environ.get(TODAY_VARIABLE)
    if not pinned:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise InputError(
            f"{TODAY_VARIABLE}={pinned[:40]!r} is not a date such as 2026-12-01"
        ) from None
