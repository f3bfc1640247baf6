"""Reads for the province's standards page (R11.2)."""

from dataclasses import dataclass

from province.standards.choices import ReleaseStatus, StandardKind
from province.standards.models import NationalEarningRule, ReceivedRelease


@dataclass(frozen=True)
class KindStatus:
    kind: str
    label: str
    in_force: ReceivedRelease | None
    last_failure: ReceivedRelease | None


def standards_in_force() -> list[KindStatus]:
    """Per kind: the release in force and a newer one that failed, if any."""
    releases = list(ReceivedRelease.objects.order_by("kind", "-version"))
    rows = []
    for kind, label in StandardKind.choices:
        mine = [r for r in releases if r.kind == kind]
        current = next((r for r in mine if r.status == ReleaseStatus.APPLIED), None)
        failed = next(
            (
                r
                for r in mine
                if r.status == ReleaseStatus.FAILED
                and (current is None or r.version > current.version)
            ),
            None,
        )
        rows.append(KindStatus(kind, label, current, failed))
    return rows


def history(limit: int = 100) -> list[ReceivedRelease]:
    return list(ReceivedRelease.objects.order_by("-received_at", "-id")[:limit])


def national_rules() -> list[NationalEarningRule]:
    return list(NationalEarningRule.objects.select_related("rule").order_by("code"))
