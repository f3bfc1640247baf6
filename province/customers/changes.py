"""Who must hear that customers changed (R2.1.2, R2.2, R11.1).

Some apps keep a copy of customer data elsewhere (the club's national roster at HQ holds
each member's masked name and phone, the phone's keyed hash and the level). They register
a ``CustomerChangeListener`` here from their ``AppConfig.ready``; the customer and level
services call ``customers_changed`` inside their own transaction after writing, so what a
listener writes (an outbox message, typically) commits or rolls back with the change.

Explicit calls rather than Django signals: the services that change customers are few and
named below, bulk updates (``bulk_update_with_history``) send no ``post_save`` anyway, and
a reader of a service sees that something else happens. This module never imports the
listening apps (as ``merging.register_merge_handler``).

Callers: ``services.update_customer`` (the fields whose value changed),
``levels.services._change_levels`` (``level``: proposals, overrides, annual review) and
``merging`` (merge and revert: ``ANY_FIELD``, because rows such as a club membership moved
from one customer to the other).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# A merge or revert: which fields "changed" is not the point, rows changed hands.
ANY_FIELD = frozenset({"*"})


@dataclass(frozen=True)
class CustomerChangeListener:
    """``on_change(customer_ids)`` runs when one of ``fields`` of those customers changed."""

    fields: frozenset[str]
    on_change: Callable[[list[int]], None]


_listeners: list[CustomerChangeListener] = []


def register_change_listener(listener: CustomerChangeListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def customers_changed(customer_ids: Iterable[int], fields: Iterable[str]) -> None:
    """Tell the listeners interested in ``fields`` that ``customer_ids`` changed (call it in
    the transaction that made the change)."""
    ids = sorted(set(customer_ids))
    fields = frozenset(fields)
    if not ids or not fields:
        return
    for listener in _listeners:
        if fields == ANY_FIELD or listener.fields & fields:
            listener.on_change(ids)
