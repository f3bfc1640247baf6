"""Receiving: store each message once, apply its handler, keep failures for retry.

Runs in the destination tenant's schema. Storing and applying happen in one transaction, so
a message is applied exactly once however often it is delivered.
"""

import logging
import traceback

from django.db import connection, transaction
from django.utils import timezone

from sync.backoff import next_attempt_after
from sync.envelope import Envelope
from sync.models import AppliedVersion, InboxMessage, InboxStatus
from sync.registry import FAILURE_HANDLERS, HANDLERS, get_topic, validate_payload

log = logging.getLogger(__name__)

_INSERT = """
INSERT INTO sync_inboxmessage
    (message_id, source, topic, key, version, schema_version, payload, status, attempts,
     last_error, received_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, '', now())
ON CONFLICT (message_id) DO NOTHING
RETURNING id
"""


def receive(envelopes: list[Envelope]) -> int:
    """Store and apply new messages; return how many were new (duplicates are skipped)."""
    new = 0
    with transaction.atomic():
        for envelope in envelopes:
            with connection.cursor() as cursor:
                cursor.execute(
                    _INSERT,
                    [
                        envelope.message_id,
                        envelope.source,
                        envelope.topic,
                        envelope.key,
                        envelope.version,
                        envelope.schema_version,
                        _json(envelope.payload),
                        InboxStatus.FAILED,
                    ],
                )
                row = cursor.fetchone()
            if row is None:
                continue  # seen before: at-least-once delivery, exactly-once effect
            new += 1
            apply_message(InboxMessage.objects.get(pk=row[0]))
    return new


def _json(payload: dict):
    from psycopg2.extras import Json

    return Json(payload)


def apply_message(message: InboxMessage) -> InboxMessage:
    """Apply ``message``'s handler (in a savepoint); record applied, stale or failed."""
    now = timezone.now()
    message.attempts += 1
    try:
        with transaction.atomic():
            applied = _lock_applied_version(message)
            if applied.version >= message.version:
                message.status = InboxStatus.STALE
            else:
                handler = HANDLERS.get(message.topic)
                if handler is None:
                    raise LookupError(f"No handler for topic {message.topic!r} here")
                # Validated again on arrival: the sender may run an older payload schema.
                validate_payload(get_topic(message.topic), message.payload)
                handler(_envelope_of(message))
                applied.version = message.version
                applied.save(update_fields=["version", "applied_at"])
                message.status = InboxStatus.APPLIED
                message.applied_at = now
            message.last_error = ""
            message.next_attempt_at = None
    except Exception as exc:
        log.warning("Sync handler failed for %s: %s", message, exc)
        message.status = InboxStatus.FAILED
        message.last_error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
        message.next_attempt_at = next_attempt_after(message.attempts, now)
        _after_failure(message, exc)
    message.save()
    return message


def _after_failure(message: InboxMessage, exc: Exception) -> None:
    """Let the receiving app record the failure (``registry.on_failure``), in a savepoint:
    a failing hook must not lose the message's own failed state."""
    hook = FAILURE_HANDLERS.get(message.topic)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(_envelope_of(message), exc)
    except Exception:
        log.exception("Failure hook of %s failed", message.topic)


def _lock_applied_version(message: InboxMessage) -> AppliedVersion:
    """The key's applied-version row, created if missing and locked: check-and-set of the
    version is atomic even when two deliveries of the same key race."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sync_appliedversion (source, topic, key, version, applied_at) "
            "VALUES (%s, %s, %s, 0, now()) ON CONFLICT DO NOTHING",
            [message.source, message.topic, message.key],
        )
    return AppliedVersion.objects.select_for_update().get(
        source=message.source, topic=message.topic, key=message.key
    )


def _envelope_of(message: InboxMessage) -> Envelope:
    return Envelope(
        message_id=str(message.message_id),
        source=message.source,
        destination=connection.schema_name,
        topic=message.topic,
        key=message.key,
        version=message.version,
        schema_version=message.schema_version,
        payload=message.payload,
    )


def retry_failed(
    limit: int = 500,
    *,
    force: bool = False,
    source: str | None = None,
    message_ids: list[str] | None = None,
) -> int:
    """Apply again the failed messages whose backoff has passed (all of them if ``force``),
    optionally only those from ``source`` or with the given message ids (the sync console)."""
    done = 0
    with transaction.atomic():
        due = InboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=InboxStatus.FAILED
        )
        if source is not None:
            due = due.filter(source=source)
        if message_ids is not None:
            due = due.filter(message_id__in=message_ids)
        if not force:
            due = due.filter(next_attempt_at__lte=timezone.now())
        for message in due.order_by("id")[:limit]:
            apply_message(message)
            done += 1
    return done
