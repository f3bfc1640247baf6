"""The only code that moves data between tenants (DESIGN.md §4).

Services call ``sync.publish(topic, key, payload, to=...)`` inside their own transaction;
receiving apps register handlers with ``@sync.handler(topic)``. Delivery (outbox → relay →
inbox → handler) is this package's business and nobody else's.
"""

from sync.registry import handler, on_failure

__all__ = ["handler", "on_failure", "publish"]


def publish(topic: str, key: str, payload: dict, *, to: str):
    """Queue a message to tenant ``to`` atomically with the caller's transaction."""
    from sync.outbox import publish as _publish

    return _publish(topic, key, payload, to=to)
