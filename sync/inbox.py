"""Receiving: store each message once, apply its handler, keep failures for retry.

Runs in the destination tenant's schema. Storing and applying happen in one transaction, so
a message is applied exactly once however often it is delivered.
"""

import logging
import traceback
import uuid

from django.db import connection, transaction
from django.utils import timezone

from sync.backoff import next_attempt_after
from sync.bulk import json_text
from sync.envelope import Envelope
from sync.models import AppliedVersion, InboxMessage, InboxStatus
from sync.registry import BATCH_HANDLERS, FAILURE_HANDLERS, HANDLERS, get_topic, validate_payload

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
    """Store and apply new messages in order; return how many were new (duplicates are
    skipped). Consecutive messages of one source and a topic with a batch handler are
    applied together (``_receive_run``); the others one at a time."""
    new = 0
    with transaction.atomic():
        for run in _runs(envelopes):
            if run[0].topic in BATCH_HANDLERS:
                new += _receive_run(run)
            else:
                new += sum(_receive_one(envelope) for envelope in run)
    return new


def _runs(envelopes: list[Envelope]) -> list[list[Envelope]]:
    """Split into maximal runs of one (source, topic), keeping the order: a run is applied
    set-based, and messages of other topics keep their place around it."""
    runs: list[list[Envelope]] = []
    for envelope in envelopes:
        if runs and (runs[-1][0].source, runs[-1][0].topic) == (envelope.source, envelope.topic):
            runs[-1].append(envelope)
        else:
            runs.append([envelope])
    return runs


def _receive_one(envelope: Envelope) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [*_row_of(envelope), InboxStatus.FAILED])
        row = cursor.fetchone()
    if row is None:
        return 0  # seen before: at-least-once delivery, exactly-once effect
    apply_message(InboxMessage.objects.get(pk=row[0]))
    return 1


# A run's messages travel as arrays, each payload as its own JSON text that PostgreSQL turns
# into jsonb once (a payload nested in one JSON document of the run is parsed twice, and
# took most of the time of storing a full roster); stored as applied; the ones already
# there are not returned.
_INSERT_APPLIED = """
INSERT INTO sync_inboxmessage
    (message_id, source, topic, key, version, schema_version, payload, status, attempts,
     last_error, received_at, applied_at)
SELECT message_id, %(source)s, %(topic)s, key, version, schema_version, payload::jsonb,
       %(status)s, 1, '', %(now)s, %(now)s
FROM unnest(%(ids)s::uuid[], %(keys)s::varchar[], %(versions)s::bigint[],
            %(schema_versions)s::smallint[], %(payloads)s::text[])
    AS run(message_id, key, version, schema_version, payload)
ON CONFLICT (message_id) DO NOTHING
RETURNING message_id
"""

# The version gate of a whole run: advance each key's applied version where the run's is
# newer, and return the keys advanced (the rest are stale). Conflicting rows are locked
# whether or not they are updated, so a racing delivery of the same key waits for us.
_ADVANCE_VERSIONS = """
INSERT INTO sync_appliedversion (source, topic, key, version, applied_at)
SELECT %s, %s, key, version, now()
FROM unnest(%s::varchar[], %s::bigint[]) AS run(key, version)
ON CONFLICT (source, topic, key) DO UPDATE
    SET version = EXCLUDED.version, applied_at = EXCLUDED.applied_at
    WHERE sync_appliedversion.version < EXCLUDED.version
RETURNING key
"""


def _receive_run(run: list[Envelope]) -> int:
    """Store and apply a run of one source and topic with a few statements: insert the
    new messages (as applied), advance the version of their keys, hand the newest message
    of each advanced key to the topic's batch handler, mark the others stale (an ungated
    topic hands over every new message). All in a
    savepoint; if anything raises, the run is applied one message at a time instead, so
    each message gets its own outcome and a bad one fails alone."""
    source, topic = run[0].source, run[0].topic
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _INSERT_APPLIED,
                {
                    "source": source,
                    "topic": topic,
                    "status": InboxStatus.APPLIED,
                    "now": timezone.now(),
                    "ids": [e.message_id for e in run],
                    "keys": [e.key for e in run],
                    "versions": [e.version for e in run],
                    "schema_versions": [e.schema_version for e in run],
                    "payloads": [json_text(e.payload) for e in run],
                },
            )
            fresh_ids = {row[0] for row in cursor.fetchall()}
            fresh = [e for e in run if uuid.UUID(e.message_id) in fresh_ids]
            spec = get_topic(topic)
            to_apply = _newer_than_applied(cursor, fresh) if spec.gated else fresh
            for envelope in to_apply:
                validate_payload(spec, envelope.payload)
            if to_apply:
                BATCH_HANDLERS[topic](to_apply)
            applied = {e.message_id for e in to_apply}
            stale = [e.message_id for e in fresh if e.message_id not in applied]
            if stale:
                InboxMessage.objects.filter(message_id__in=stale).update(
                    status=InboxStatus.STALE, applied_at=None
                )
            return len(fresh)
    except Exception as exc:
        log.info(
            "Batch of %d %s messages failed (%s); applying them one by one", len(run), topic, exc
        )
        return sum(_receive_one(envelope) for envelope in run)


def _newer_than_applied(cursor, fresh: list[Envelope]) -> list[Envelope]:
    """The newest message of each key whose applied version it advances (the gate)."""
    if not fresh:
        return []
    newest: dict[str, Envelope] = {}
    for envelope in fresh:
        if envelope.key not in newest or envelope.version > newest[envelope.key].version:
            newest[envelope.key] = envelope
    keys = sorted(newest)  # lock in key order: no deadlock with another run
    source, topic = fresh[0].source, fresh[0].topic
    cursor.execute(_ADVANCE_VERSIONS, [source, topic, keys, [newest[k].version for k in keys]])
    advanced = {row[0] for row in cursor.fetchall()}
    return [newest[key] for key in keys if key in advanced]


def _row_of(envelope: Envelope) -> list:
    return [
        envelope.message_id,
        envelope.source,
        envelope.topic,
        envelope.key,
        envelope.version,
        envelope.schema_version,
        _json(envelope.payload),
    ]


def _json(payload: dict):
    from psycopg2.extras import Json

    return Json(payload, dumps=json_text)


def apply_message(message: InboxMessage) -> InboxMessage:
    """Apply ``message``'s handler (in a savepoint); record applied, stale or failed."""
    now = timezone.now()
    message.attempts += 1
    try:
        with transaction.atomic():
            spec = get_topic(message.topic)
            applied = _lock_applied_version(message) if spec.gated else None
            if applied is not None and applied.version >= message.version:
                message.status = InboxStatus.STALE
            else:
                # Validated again on arrival: the sender may run an older payload schema.
                validate_payload(spec, message.payload)
                _handle(_envelope_of(message))
                if applied is not None:
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


def _handle(envelope: Envelope) -> None:
    handler = HANDLERS.get(envelope.topic)
    if handler is not None:
        handler(envelope)
    elif envelope.topic in BATCH_HANDLERS:
        BATCH_HANDLERS[envelope.topic]([envelope])
    else:
        raise LookupError(f"No handler for topic {envelope.topic!r} here")


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
