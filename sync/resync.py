"""Full resync, province side: re-publish every registered snapshot for HQ (issue 5 item 6).

HQ sends ``sync.resync`` (one request id). The handler only records a ``ResyncRun`` and
queues a task: the handler runs inside HQ's relay transaction, which must stay short. The
task publishes the snapshots chunk by chunk; each chunk is one transaction holding the
snapshot messages, the run's progress and a ``sync.resync.progress`` message to HQ, so a
worker killed mid-run resumes at the first unfinished chunk and HQ's progress bar only moves
once the data it describes is on its way (the relay sends the outbox in id order).
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import sync
from sync.models import ResyncRun, ResyncStatus
from sync.registry import SNAPSHOTS

log = logging.getLogger(__name__)


@sync.handler("sync.resync")
def apply_resync_request(message) -> None:
    """Start the run HQ asked for; a repeated request id is the same run."""
    topics = message.payload.get("topics") or sorted(SNAPSHOTS)
    run, created = ResyncRun.objects.get_or_create(
        request_id=message.payload["request_id"],
        defaults={"requested_by": message.source, "topics": topics},
    )
    if created:
        schema = connection.schema_name
        transaction.on_commit(lambda: queue_resync(schema, run.pk), robust=True)


def queue_resync(schema_name: str, run_id: int) -> None:
    """Ask a worker to run the resync; the beat sweep queues it again if this is lost."""
    from django_tenants.utils import schema_context

    from sync.tasks import run_resync_task

    try:
        with schema_context(schema_name):
            run_resync_task.delay(run_id)
    except Exception:  # broker down: the run row stays unfinished and the sweep resumes it
        log.warning("Could not queue resync run %s of %s", run_id, schema_name, exc_info=True)


def run_resync(run_id: int, chunk_size: int | None = None) -> ResyncRun:
    """Publish chunks until the run is finished (or another worker holds it)."""
    while run_chunk(run_id, chunk_size):
        pass
    return ResyncRun.objects.get(pk=run_id)


def run_chunk(run_id: int, chunk_size: int | None = None) -> bool:
    """Publish the next chunk of ``run_id``; False when finished or held by another worker."""
    size = chunk_size or settings.SYNC_RESYNC_CHUNK_SIZE
    with transaction.atomic():
        run = (
            ResyncRun.objects.select_for_update(skip_locked=True)
            .filter(pk=run_id, status=ResyncStatus.RUNNING)
            .first()
        )
        if run is None:
            return False
        try:
            with transaction.atomic():
                more = _count_keys(run) if not run.progress else _publish_next_chunk(run, size)
        except Exception as exc:  # a broken publisher: HQ sees the error on its console
            log.exception("Resync run %s failed", run.request_id)
            run.status = ResyncStatus.FAILED
            run.last_error = f"{type(exc).__name__}: {exc}"[:4000]
            run.finished_at = timezone.now()
            more = False
        else:
            if not more:
                run.status = ResyncStatus.DONE
                run.finished_at = timezone.now()
        run.save()
        _report(run)
        return more


def _count_keys(run: ResyncRun) -> bool:
    """The first step: every topic's total, so HQ's bar is right from the start."""
    for topic in run.topics:
        snapshot = SNAPSHOTS.get(topic)
        if snapshot is None:
            raise LookupError(f"No snapshot publisher for topic {topic!r} here")
        run.progress[topic] = {"done": 0, "total": len(snapshot.keys())}
    return _unfinished(run)


def _unfinished(run: ResyncRun) -> bool:
    return any(part["done"] < part["total"] for part in run.progress.values())


def _publish_next_chunk(run: ResyncRun, size: int) -> bool:
    """Publish one chunk of the first unfinished topic; True while anything is left after it."""
    for topic in run.topics:
        part = run.progress[topic]
        if part["done"] >= part["total"]:
            continue
        # Keys are read again per chunk: their order is stable, and a key added meanwhile
        # only grows the total (its own service publishes it anyway).
        keys = list(SNAPSHOTS[topic].keys())
        done = part["done"]
        chunk = keys[done : done + size]
        if chunk:
            SNAPSHOTS[topic].publish(chunk)
        run.progress[topic] = {"done": done + len(chunk), "total": max(len(keys), done)}
        return _unfinished(run)
    return False


def _report(run: ResyncRun) -> None:
    sync.publish(
        "sync.resync.progress",
        key=str(run.request_id),
        payload={
            "request_id": str(run.request_id),
            "status": run.status,
            "topics": [
                {"topic": topic, **run.progress.get(topic, {"done": 0, "total": 0})}
                for topic in run.topics
            ],
            "error": run.last_error,
        },
        to=run.requested_by,
    )
