"""Read queries over the sync tables (for HQ's province list and the sync console)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Max, Q
from django_tenants.utils import tenant_context

from sync import directory
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


# --- The sync console (issue 5 item 6) -----------------------------------------------------
# These reads cross tenants: each province's outbox and inbox, and HQ's. Only ``sync`` may
# do that (DESIGN.md §1); HQ's console calls these functions and never names a schema table.


@dataclass(frozen=True)
class ProvinceSyncHealth:
    """How the link between HQ and one province is doing, both directions."""

    schema_name: str
    code: str
    name: str
    pending_up: int  # in the province's outbox, addressed to HQ
    oldest_pending_at: datetime | None
    delivery_error: str  # why the province's relay could not deliver to HQ (latest)
    pending_down: int  # in HQ's outbox, addressed to the province
    failed_at_hq: int  # in HQ's inbox, from the province
    failed_at_hq_error: str
    failed_in_province: int  # in the province's inbox, from HQ
    failed_in_province_error: str
    last_applied_at: datetime | None  # HQ last applied a message from the province
    now: datetime

    @property
    def failed(self) -> int:
        return self.failed_at_hq + self.failed_in_province

    @property
    def latest_error(self) -> str:
        """The error an operator should read first: delivery, then HQ's side, then the
        province's side (a delivery error hides the others: nothing arrives)."""
        return self.delivery_error or self.failed_at_hq_error or self.failed_in_province_error

    @property
    def pending_lag_seconds(self) -> int | None:
        """Age of the oldest message waiting to reach HQ (None when nothing waits)."""
        if self.oldest_pending_at is None:
            return None
        return max(int((self.now - self.oldest_pending_at).total_seconds()), 0)

    @property
    def applied_lag_seconds(self) -> int | None:
        """Time since HQ last applied a message from the province (None: never)."""
        if self.last_applied_at is None:
            return None
        return max(int((self.now - self.last_applied_at).total_seconds()), 0)


# One statement for every province: the subqueries use the partial indexes on pending
# outbox rows and failed inbox rows and the (source, status, applied_at) index, so the
# console stays cheap however long the delivered history grows.
_HEALTH_SQL = """
SELECT
  (SELECT count(*) FROM {p}.sync_outboxmessage WHERE status = 'pending' AND destination = %s),
  (SELECT min(created_at) FROM {p}.sync_outboxmessage
    WHERE status = 'pending' AND destination = %s),
  (SELECT last_error FROM {p}.sync_outboxmessage
    WHERE status = 'pending' AND destination = %s AND last_error <> ''
    ORDER BY id DESC LIMIT 1),
  (SELECT count(*) FROM {hq}.sync_outboxmessage WHERE status = 'pending' AND destination = %s),
  (SELECT count(*) FROM {hq}.sync_inboxmessage WHERE status = 'failed' AND source = %s),
  (SELECT last_error FROM {hq}.sync_inboxmessage WHERE status = 'failed' AND source = %s
    ORDER BY id DESC LIMIT 1),
  (SELECT count(*) FROM {p}.sync_inboxmessage WHERE status = 'failed' AND source = %s),
  (SELECT last_error FROM {p}.sync_inboxmessage WHERE status = 'failed' AND source = %s
    ORDER BY id DESC LIMIT 1),
  (SELECT max(applied_at) FROM {hq}.sync_inboxmessage WHERE status = 'applied' AND source = %s)
"""


def province_sync_health(schema_names: list[str] | None = None) -> list[ProvinceSyncHealth]:
    """Every active province's link health (or only ``schema_names``), in directory order."""
    hq = directory.hq_schema()
    wanted = [
        m
        for m in directory.provinces()
        if m.is_active and (schema_names is None or m.schema_name in schema_names)
    ]
    if not wanted:
        return []
    quote = connection.ops.quote_name
    parts, params = [], []
    for member in wanted:
        p = member.schema_name
        parts.append(_HEALTH_SQL.format(p=quote(p), hq=quote(hq)))
        params += [hq, hq, hq, p, p, p, hq, hq, p]
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        cursor.execute(" UNION ALL ".join(f"({part})" for part in parts), params)
        rows = cursor.fetchall()
    return [
        ProvinceSyncHealth(
            member.schema_name,
            member.code,
            member.display_name,
            pending_up=row[0],
            oldest_pending_at=row[1],
            delivery_error=row[2] or "",
            pending_down=row[3],
            failed_at_hq=row[4],
            failed_at_hq_error=row[5] or "",
            failed_in_province=row[6],
            failed_in_province_error=row[7] or "",
            last_applied_at=row[8],
            now=now,
        )
        for member, row in zip(wanted, rows, strict=True)
    ]


AT_HQ = "hq"
IN_PROVINCE = "province"


@dataclass(frozen=True)
class FailedMessage:
    """A failed inbox message on either side of one province's link."""

    side: str  # AT_HQ (HQ's inbox, from the province) or IN_PROVINCE (its inbox, from HQ)
    message_id: str
    topic: str
    key: str
    version: int
    attempts: int
    last_error: str
    received_at: datetime
    next_attempt_at: datetime | None


def failed_messages(province: str, limit: int = 200) -> list[FailedMessage]:
    """The failed messages of ``province``'s link, both sides, oldest first per side."""
    hq = directory.hq_schema()
    result = []
    for side, schema, source in ((AT_HQ, hq, province), (IN_PROVINCE, province, hq)):
        with tenant_context(directory.tenant_for(schema)):
            rows = InboxMessage.objects.filter(status=InboxStatus.FAILED, source=source)
            result += [
                FailedMessage(
                    side,
                    str(m.message_id),
                    m.topic,
                    m.key,
                    m.version,
                    m.attempts,
                    m.last_error,
                    m.received_at,
                    m.next_attempt_at,
                )
                for m in rows.order_by("id")[:limit]
            ]
    return result
