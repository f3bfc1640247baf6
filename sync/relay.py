"""The relay: moves pending outbox rows of the current tenant to their destinations.

Transport today is a schema switch inside one PostgreSQL database: the batch is stored in
the destination's inbox and applied in the same transaction that marks it delivered. The
rest of the code sees only ``deliver(envelopes)``, so another transport (another database,
an HTTP hop) can replace it without touching publishers or handlers.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from sync import directory
from sync.backoff import next_attempt_after
from sync.envelope import Envelope
from sync.inbox import receive
from sync.models import OutboxMessage, OutboxStatus


@dataclass
class RelayResult:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def envelope_of(message: OutboxMessage, source: str) -> Envelope:
    return Envelope(
        message_id=str(message.message_id),
        source=source,
        destination=message.destination,
        topic=message.topic,
        key=message.key,
        version=message.version,
        schema_version=message.schema_version,
        payload=message.payload,
    )


_ENVELOPE_FIELDS = ("id", "message_id", "destination", "topic", "key", "schema_version", "payload")


def _envelope_of_row(row: tuple, source: str) -> Envelope:
    pk, message_id, destination, topic, key, schema_version, payload = row[:7]
    return Envelope(str(message_id), source, destination, topic, key, pk, schema_version, payload)


def deliver(destination: str, envelopes: list[Envelope]) -> int:
    """Hand ``envelopes`` to ``destination``'s inbox; return how many were new there."""
    target = directory.tenant_for(destination)
    with tenant_context(target):
        return receive(envelopes)


# One relay per sender at a time: two relays splitting one backlog could deliver a newer
# message of a key before an older one (each would commit its part independently).
RELAY_LOCK_SQL = "SELECT pg_try_advisory_xact_lock(hashtext('sync-relay:' || %s))"


def relay_outbox(batch_size: int | None = None) -> RelayResult:
    """Deliver one batch of the current tenant's due outbox messages.

    Returns an empty result at once if another relay of this tenant is running; that one
    keeps going until the outbox has nothing due.
    """
    source = connection.schema_name
    result = RelayResult()
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(RELAY_LOCK_SQL, [source])
            if not cursor.fetchone()[0]:
                return result
        # Plain rows, not model instances: a batch is hundreds of messages.
        batch = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("id")
            .values_list(*_ENVELOPE_FIELDS, "attempts")[: batch_size or settings.SYNC_BATCH_SIZE]
        )
        by_destination: dict[str, list[tuple]] = {}
        for row in batch:
            by_destination.setdefault(row[2], []).append(row)
        for destination, rows in by_destination.items():
            ids = [row[0] for row in rows]
            try:
                with transaction.atomic():
                    deliver(destination, [_envelope_of_row(row, source) for row in rows])
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:4000]
                result.failed += len(rows)
                result.errors.append(f"{destination}: {error}")
                OutboxMessage.objects.bulk_update(
                    [
                        OutboxMessage(
                            pk=row[0],
                            attempts=row[-1] + 1,
                            last_error=error,
                            next_attempt_at=next_attempt_after(row[-1] + 1, now),
                        )
                        for row in rows
                    ],
                    ["attempts", "last_error", "next_attempt_at"],
                )
            else:
                OutboxMessage.objects.filter(pk__in=ids).update(
                    status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
                )
                result.delivered += len(rows)
    return result


def relay_all(batch_size: int | None = None) -> RelayResult:
    """Relay until the current tenant's outbox has nothing due (used by tests and commands)."""
    total = RelayResult()
    while True:
        step = relay_outbox(batch_size)
        total.delivered += step.delivered
        total.failed += step.failed
        total.errors += step.errors
        if step.delivered + step.failed == 0 or step.failed:
            return total
