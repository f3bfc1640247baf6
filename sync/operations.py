"""What an operator can do to one province's link from HQ's sync console (issue 5 item 6).

These act on both ends of the link (HQ's tables and the province's), so they live in
``sync``; HQ's console calls them and audits who did what. Each returns how many messages
it touched so the console can say so.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from shared.errors import Conflict
from sync import directory
from sync.inbox import retry_failed
from sync.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sync.outbox import queue_relay
from sync.relay import relay_outbox
from sync.selectors import AT_HQ, IN_PROVINCE


@dataclass(frozen=True)
class Outcome:
    """What an operation did: messages it applied, delivered, or left failed."""

    applied: int = 0
    delivered: int = 0
    failed: int = 0


def _province(schema_name: str):
    """The province tenant, or Conflict for anything else (a typo in a URL)."""
    member = next(
        (m for m in directory.provinces() if m.schema_name == schema_name and m.is_active),
        None,
    )
    if member is None:
        raise Conflict(_("%(name)s is not an active province.") % {"name": schema_name})
    return directory.tenant_for(schema_name)


def _make_due(destination: str) -> None:
    """Pending messages to ``destination`` in the current schema are due now (no backoff)."""
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING, destination=destination).update(
        next_attempt_at=timezone.now()
    )


def retry_failed_now(province: str) -> Outcome:
    """Apply every failed message of the link again now, both sides, ignoring backoff;
    pending deliveries of the link become due now too."""
    hq = directory.hq_schema()
    applied = failed = 0
    # (inbox owner, messages from, outbox destination)
    sides = ((directory.tenant_for(hq), province, province), (_province(province), hq, hq))
    for tenant, source, destination in sides:
        with tenant_context(tenant):
            ids = list(
                InboxMessage.objects.filter(status=InboxStatus.FAILED, source=source).values_list(
                    "message_id", flat=True
                )
            )
            if ids:
                retry_failed(len(ids), force=True, source=source, message_ids=ids)
                outcome = InboxMessage.objects.filter(message_id__in=ids)
                failed_now = outcome.filter(status=InboxStatus.FAILED).count()
                applied += len(ids) - failed_now
                failed += failed_now
            _make_due(destination)
    return Outcome(applied=applied, failed=failed)


def relay_now(province: str) -> Outcome:
    """Deliver one batch each way at once (backoff ignored) and queue the rest."""
    tenant = _province(province)
    hq = directory.hq_schema()
    delivered = failed = 0
    for schema_tenant, destination in ((tenant, hq), (directory.tenant_for(hq), province)):
        with tenant_context(schema_tenant):
            _make_due(destination)
            result = relay_outbox()
            delivered += result.delivered
            failed += result.failed
            schema = schema_tenant.schema_name
            # A bigger backlog goes on in a worker; the sweep is the fallback.
            transaction.on_commit(lambda s=schema: queue_relay(s), robust=True)
    return Outcome(delivered=delivered, failed=failed)


def _inbox_of(province: str, side: str):
    if side == AT_HQ:
        return directory.tenant_for(directory.hq_schema()), province
    if side == IN_PROVINCE:
        return _province(province), directory.hq_schema()
    raise Conflict(_("Unknown side of the link: %(side)s.") % {"side": side})


def _failed_message(message_id: str, source: str) -> InboxMessage:
    message = (
        InboxMessage.objects.select_for_update()
        .filter(message_id=message_id, source=source)
        .first()
    )
    if message is None or message.status != InboxStatus.FAILED:
        raise Conflict(_("This message is not failed (any more)."), code="not_failed")
    return message


def retry_message(province: str, side: str, message_id: str) -> InboxMessage:
    """Apply one failed message again now; returns it with its new status."""
    _province(province)
    tenant, source = _inbox_of(province, side)
    with tenant_context(tenant), transaction.atomic():
        _failed_message(message_id, source)
        retry_failed(1, force=True, source=source, message_ids=[message_id])
        return InboxMessage.objects.get(message_id=message_id)


def skip_message(province: str, side: str, message_id: str) -> InboxMessage:
    """Give up on one failed message: it is never retried again (the caller audits it).

    The newer versions of its key still apply normally when they come."""
    _province(province)
    tenant, source = _inbox_of(province, side)
    with tenant_context(tenant), transaction.atomic():
        message = _failed_message(message_id, source)
        message.status = InboxStatus.SKIPPED
        message.next_attempt_at = None
        message.save(update_fields=["status", "next_attempt_at"])
        return message
