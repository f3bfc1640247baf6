"""Publishing: the message row is written in the caller's transaction (transactional
outbox), and a relay task is queued only once that transaction has committed."""

import logging

from django.db import connection, transaction

from sync.models import OutboxMessage
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
    schema = connection.schema_name
    transaction.on_commit(lambda: queue_relay(schema), robust=True)
    return message


def queue_relay(schema_name: str) -> None:
    """Ask a worker to relay ``schema_name``'s outbox now; the beat sweep is the fallback."""
    from django_tenants.utils import schema_context

    from sync.tasks import relay_outbox_task

    try:
        with schema_context(schema_name):
            relay_outbox_task.delay()
    except Exception:  # broker down: the message is safe in the outbox, the sweep will send it
        log.warning("Could not queue the outbox relay of %s", schema_name, exc_info=True)
