"""Celery tasks of the sync core; thin wrappers around relay and inbox functions.

Tasks queued inside a tenant's schema run in that schema (tenant-schemas-celery). The beat
sweep runs in the public schema and queues work for every tenant with something due, so
messages whose on-commit relay was lost (broker down, worker killed) still go out.
"""

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from sync import directory
from sync.inbox import retry_failed
from sync.models import (
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
    ResyncRun,
    ResyncStatus,
)
from sync.relay import relay_all
from sync.resync import run_resync


@shared_task(name="sync.tasks.relay_outbox_task")
def relay_outbox_task():
    result = relay_all()
    return {"delivered": result.delivered, "failed": result.failed}


@shared_task(name="sync.tasks.retry_inbox_task")
def retry_inbox_task():
    return retry_failed()


@shared_task(name="sync.tasks.run_resync_task")
def run_resync_task(run_id: int):
    run = run_resync(run_id)
    return {"status": run.status, "done": run.done, "total": run.total}


@shared_task(name="sync.tasks.sweep_task")
def sweep_task():
    now = timezone.now()
    queued = 0
    for member in directory.members():
        with tenant_context(directory.tenant_for(member.schema_name)):
            if OutboxMessage.objects.filter(
                status=OutboxStatus.PENDING, next_attempt_at__lte=now
            ).exists():
                relay_outbox_task.delay()
                queued += 1
            if InboxMessage.objects.filter(
                Q(next_attempt_at__lte=now), status=InboxStatus.FAILED
            ).exists():
                retry_inbox_task.delay()
                queued += 1
            # A resync whose task was lost (worker killed, broker restarted) resumes here;
            # a second task on a live run is harmless: chunks are taken under a row lock.
            for run_id in ResyncRun.objects.filter(status=ResyncStatus.RUNNING).values_list(
                "pk", flat=True
            ):
                run_resync_task.delay(run_id)
                queued += 1
    return queued
