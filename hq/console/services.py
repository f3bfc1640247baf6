"""Operator actions of the sync console (issue 5 item 6, DESIGN.md §4.5).

The work on the link itself is done by ``sync.operations``; these functions check what the
console allows and write one audit row (``SyncIntervention``) per action.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sync
from hq.console.choices import UNFINISHED, InterventionKind, ResyncState
from hq.console.models import ResyncRequest, SyncIntervention
from shared.errors import Conflict
from sync import directory, operations


def _audit(province: str, kind: str, actor, *, message=None, detail: str = "") -> None:
    SyncIntervention.objects.create(
        province=province,
        kind=kind,
        actor=actor.get_username(),
        message_id=message.message_id if message is not None else None,
        topic=message.topic if message is not None else "",
        key=message.key if message is not None else "",
        detail=detail,
    )


def retry_failed(province: str, *, actor) -> operations.Outcome:
    """Retry now every failed message of ``province``'s link, both sides."""
    outcome = operations.retry_failed_now(province)
    _audit(
        province,
        InterventionKind.RETRY_FAILED,
        actor,
        detail=f"applied={outcome.applied} failed={outcome.failed}",
    )
    return outcome


def relay(province: str, *, actor) -> operations.Outcome:
    """Deliver now what waits on ``province``'s link, both directions."""
    outcome = operations.relay_now(province)
    _audit(
        province,
        InterventionKind.RELAY,
        actor,
        detail=f"delivered={outcome.delivered} failed={outcome.failed}",
    )
    return outcome


def retry_message(province: str, side: str, message_id: str, *, actor):
    message = operations.retry_message(province, side, message_id)
    _audit(
        province,
        InterventionKind.RETRY_MESSAGE,
        actor,
        message=message,
        detail=f"side={side} status={message.status}",
    )
    return message


def skip_message(province: str, side: str, message_id: str, *, actor, reason: str = ""):
    """Give up on one failed message; the audit row keeps who, why and the last error."""
    message = operations.skip_message(province, side, message_id)
    _audit(
        province,
        InterventionKind.SKIP_MESSAGE,
        actor,
        message=message,
        detail=f"side={side} reason={reason.strip()}\n{message.last_error}",
    )
    return message


def request_resync(province: str, *, actor) -> ResyncRequest:
    """Ask ``province`` to re-publish everything HQ holds about it (topic ``sync.resync``).

    One resync per province at a time: an unfinished request younger than
    ``SYNC_RESYNC_STALE_SECONDS`` is a Conflict (a province that never answered does not
    block the next request for ever).
    """
    if province not in {m.schema_name for m in directory.provinces() if m.is_active}:
        raise Conflict(_("%(name)s is not an active province.") % {"name": province})
    stale_before = timezone.now() - timedelta(seconds=settings.SYNC_RESYNC_STALE_SECONDS)
    busy = ResyncRequest.objects.filter(
        province=province, status__in=UNFINISHED, updated_at__gt=stale_before
    ).exists()
    if busy:
        raise Conflict(
            _("A full resync of %(name)s is already under way.") % {"name": province},
            code="resync_running",
        )
    with transaction.atomic():
        request = ResyncRequest.objects.create(
            request_id=uuid.uuid4(), province=province, requested_by=actor.get_username()
        )
        sync.publish(
            "sync.resync",
            key=str(request.request_id),
            payload={"request_id": str(request.request_id), "requested_by": actor.username},
            to=province,
        )
        _audit(province, InterventionKind.RESYNC, actor, detail=str(request.request_id))
    return request


def record_resync_progress(province: str, payload: dict) -> ResyncRequest:
    """Store what the province reported (upsert: a run started without a request row, e.g.
    from a shell, still shows up)."""
    status = payload["status"]
    finished = status in (ResyncState.DONE, ResyncState.FAILED)
    request, _created = ResyncRequest.objects.update_or_create(
        request_id=payload["request_id"],
        defaults={
            "province": province,
            "status": status,
            "progress": payload["topics"],
            "error": payload.get("error", ""),
            "finished_at": timezone.now() if finished else None,
        },
    )
    return request
