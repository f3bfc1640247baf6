"""Read queries of HQ's province overview."""

from dataclasses import dataclass
from datetime import datetime

from hq.federation.models import ProvinceSummary
from sync import directory
from sync.selectors import inbox_health_by_source


@dataclass(frozen=True)
class ProvinceStatus:
    schema_name: str
    code: str
    name: str
    domain: str | None
    is_active: bool
    staff_count: int | None
    org_unit_count: int | None
    last_sync_at: datetime | None
    failed_messages: int


def province_statuses() -> list[ProvinceStatus]:
    """Every province with the figures it last reported and its sync health."""
    summaries = {s.province: s for s in ProvinceSummary.objects.all()}
    health = inbox_health_by_source()
    result = []
    for member in directory.provinces():
        summary = summaries.get(member.schema_name)
        source = health.get(member.schema_name)
        result.append(
            ProvinceStatus(
                schema_name=member.schema_name,
                code=member.code,
                name=member.display_name,
                domain=member.domain,
                is_active=member.is_active,
                staff_count=summary.staff_count if summary else None,
                org_unit_count=summary.org_unit_count if summary else None,
                last_sync_at=source.last_applied_at if source else None,
                failed_messages=source.failed if source else 0,
            )
        )
    return result
