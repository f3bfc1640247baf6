"""The only code that moves data between tenants (DESIGN.md §4).

Services call ``sync.publish(topic, key, payload, to=...)`` inside their own transaction;
receiving apps register handlers with ``@sync.handler(topic)``. Delivery (outbox → relay →
inbox → handler) is this package's business and nobody else's.
"""

from sync.bulk import insert_rows, upsert_newer
from sync.registry import batch_handler, handler, on_failure

__all__ = [
    "batch_handler",
    "handler",
    "insert_rows",
    "on_failure",
    "publish",
    "publish_many",
    "upsert_newer",
]


def publish(topic: str, key: str, payload: dict, *, to: str):
    """Queue a message to tenant ``to`` atomically with the caller's transaction."""
    from sync.outbox import publish as _publish

    return _publish(topic, key, payload, to=to)


def publish_many(topic: str, messages, *, to: str) -> int:
    """Queue many messages of one topic (``(key, payload)`` pairs, in order) to tenant
    ``to`` with one insert, atomically with the caller's transaction; returns how many."""
    from sync.outbox import publish_many as _publish_many

    return _publish_many(topic, messages, to=to)
