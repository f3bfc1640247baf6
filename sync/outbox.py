"""Publishing: the message row is written in the caller's transaction (transactional
outbox), and a relay task is queued only once that transaction has committed."""

import logging
import uuid

from django.db import connection, transaction

from sync.bulk import json_text
from sync.models import OutboxMessage, OutboxStatus
from sync.registry import get_topic, validate_payload

log = logging.getLogger(__name__)


def publish(topic: str, key: str, payload: dict, *, to: str) -> OutboxMessage:
    spec = get_topic(topic)
    message = OutboxMessage.objects.create(
        topic=topic,
        key=key,
        destination=to,
        schema_version=spec.version,
        payload=validate_payload(spec, payload),
    )
    _relay_on_commit(connection.schema_name)
    return message


# Rows travel as arrays, each payload as its own JSON text that PostgreSQL turns into jsonb
# once: a snapshot chunk is a few large payloads or hundreds of small ones.
_INSERT_MANY = """
INSERT INTO sync_outboxmessage
    (message_id, topic, key, destination, schema_version, payload, status, attempts,
     last_error, created_at, next_attempt_at)
SELECT message_id, %(topic)s, key, %(destination)s, %(schema_version)s, payload::jsonb,
       %(status)s, 0, '', now(), now()
FROM unnest(%(ids)s::uuid[], %(keys)s::varchar[], %(payloads)s::text[])
    WITH ORDINALITY AS message(message_id, key, payload, position)
ORDER BY position
"""


def publish_many(topic: str, messages, *, to: str) -> int:
    """Validate and insert ``(key, payload)`` pairs of one topic in one statement; ids (and
    so versions) follow the given order. Raw SQL because building and preparing a model
    instance per row costs more than the insert itself (a resync chunk has hundreds)."""
    spec = get_topic(topic)
    keys, payloads = [], []
    for key, payload in messages:
        keys.append(key)
        payloads.append(json_text(validate_payload(spec, payload)))
    if not keys:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_MANY,
            {
                "topic": topic,
                "destination": to,
                "schema_version": spec.version,
                "status": OutboxStatus.PENDING,
                "ids": [str(uuid.uuid4()) for _ in keys],
                "keys": keys,
                "payloads": payloads,
            },
        )
    _relay_on_commit(connection.schema_name)
    return len(keys)


def _relay_on_commit(schema_name: str) -> None:
    """Queue one relay per schema and transaction, however many messages it publishes (a
    resync chunk or a snapshot batch publishes hundreds): relay tasks drain the whole outbox
    anyway, and a task per message only buries the broker."""
    for _savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "sync_relay_schema", None) == schema_name:
            return  # already queued by this transaction (dropped with it on rollback)

    def relay() -> None:
        queue_relay(schema_name)

    relay.sync_relay_schema = schema_name
    transaction.on_commit(relay, robust=True)


def queue_relay(schema_name: str) -> None:
    """Ask a worker to relay ``schema_name``'s outbox now; the beat sweep is the fallback."""
    from django_tenants.utils import schema_context

    from sync.tasks import relay_outbox_task

    try:
        with schema_context(schema_name):
            relay_outbox_task.delay()
    except Exception:  # broker down: the message is safe in the outbox, the sweep will send it
        log.warning("Could not queue the outbox relay of %s", schema_name, exc_info=True)
