"""Read queries of the sync console: link health (from ``sync``) joined with HQ's resync
requests and audit trail."""

from dataclasses import dataclass

from hq.console.models import ResyncRequest, SyncIntervention
from sync.selectors import ProvinceSyncHealth, failed_messages, province_sync_health


@dataclass(frozen=True)
class ConsoleRow:
    health: ProvinceSyncHealth
    resync: ResyncRequest | None


def latest_resyncs(provinces: list[str] | None = None) -> dict[str, ResyncRequest]:
    """The newest resync request per province (one query: DISTINCT ON)."""
    requests = ResyncRequest.objects.order_by("province", "-requested_at", "-id").distinct(
        "province"
    )
    if provinces is not None:
        requests = requests.filter(province__in=provinces)
    return {r.province: r for r in requests}


def console_rows() -> list[ConsoleRow]:
    """Every active province's link with its latest resync (issue 5 item 6)."""
    health = province_sync_health()
    resyncs = latest_resyncs()
    return [ConsoleRow(h, resyncs.get(h.schema_name)) for h in health]


def console_totals(rows: list[ConsoleRow]) -> dict:
    return {
        "provinces": len(rows),
        "pending": sum(r.health.pending_up + r.health.pending_down for r in rows),
        "failed": sum(r.health.failed for r in rows),
        "unhealthy": sum(
            1
            for r in rows
            if r.health.failed or r.health.delivery_error or not r.health.last_applied_at
        ),
    }


def console_chart(rows: list[ConsoleRow]) -> dict:
    """Series for the ECharts bar chart: pending and failed per province."""
    return {
        "names": [r.health.name for r in rows],
        "pending_up": [r.health.pending_up for r in rows],
        "pending_down": [r.health.pending_down for r in rows],
        "failed": [r.health.failed for r in rows],
    }


@dataclass(frozen=True)
class ProvinceDetail:
    row: ConsoleRow
    failed: list
    resyncs: list[ResyncRequest]
    interventions: list[SyncIntervention]


def province_detail(province: str) -> ProvinceDetail | None:
    """One province's drill-down, or None for a name that is no active province."""
    health = province_sync_health([province])
    if not health:
        return None
    resyncs = list(ResyncRequest.objects.filter(province=province)[:10])
    return ProvinceDetail(
        row=ConsoleRow(health[0], resyncs[0] if resyncs else None),
        failed=failed_messages(province),
        resyncs=resyncs,
        interventions=list(SyncIntervention.objects.filter(province=province)[:20]),
    )


def resync_request(province: str) -> ResyncRequest | None:
    return ResyncRequest.objects.filter(province=province).first()
