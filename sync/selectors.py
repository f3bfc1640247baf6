"""Read queries over the sync tables (for HQ's province list and the sync console)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from sync.models import InboxMessage, InboxStatus


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_applied_at: datetime | None
    failed: int


def inbox_health_by_source() -> dict[str, SourceHealth]:
    rows = InboxMessage.objects.values("source").annotate(
        last_applied_at=Max("applied_at"),
        failed=Count("id", filter=Q(status=InboxStatus.FAILED)),
    )
    return {
        row["source"]: SourceHealth(row["source"], row["last_applied_at"], row["failed"])
        for row in rows.order_by()
    }
