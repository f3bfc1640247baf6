"""Reads for the province's standards page (R11.2)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from province.standards.choices import ReleaseStatus, StandardKind
from province.standards.models import NationalEarningRule, ReceivedRelease, ServiceTimeLimit
from shared.vocab.customer_levels import LEVEL_ORDER
from shared.vocab.service_requests import RequestKind


@dataclass(frozen=True)
class KindStatus:
    kind: str
    label: str
    in_force: ReceivedRelease | None
    last_failure: ReceivedRelease | None


def in_force_releases():
    """The release in force of each kind: applied, with no newer applied one."""
    newer = ReceivedRelease.objects.filter(
        kind=OuterRef("kind"), status=ReleaseStatus.APPLIED, version__gt=OuterRef("version")
    )
    return ReceivedRelease.objects.filter(status=ReleaseStatus.APPLIED).exclude(Exists(newer))


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


def time_limits() -> list[ServiceTimeLimit]:
    """The service SLAs in force, by customer level (ascending) then request kind."""
    limits = list(ServiceTimeLimit.objects.all())
    kinds = list(RequestKind.values)

    def position(limit):
        level = LEVEL_ORDER.index(limit.level) if limit.level in LEVEL_ORDER else len(LEVEL_ORDER)
        kind = kinds.index(limit.request_kind) if limit.request_kind in kinds else len(kinds)
        return (level, kind)

    return sorted(limits, key=position)
