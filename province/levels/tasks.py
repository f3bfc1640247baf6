"""Celery tasks of the levels app (R2.2): thin wrappers around the services.

``regrade_task`` runs in the schema of the tenant that queued it (tenant-schemas-celery).
``regrade_all_provinces_task`` is the monthly beat entry: it runs in the public schema and
starts a run in every province.
"""

import logging

from celery import shared_task
from django.db import transaction

from province.levels import services
from shared.errors import Conflict
from sync import directory

logger = logging.getLogger(__name__)


@shared_task(name="province.levels.tasks.regrade_task", acks_late=True)
def regrade_task(run_id: int) -> dict:
    run = services.execute_run(run_id)
    return {"run": run.pk, "status": run.status, "proposals": run.proposals}


def start_and_queue(*, actor=None, as_of=None):
    """Create a run and queue its task once the run row is committed."""
    run = services.start_regrading(actor=actor, as_of=as_of)
    transaction.on_commit(lambda: regrade_task.delay(run.pk))
    return run


@shared_task(name="province.levels.tasks.regrade_all_provinces_task")
def regrade_all_provinces_task() -> int:
    started = 0
    for member in directory.each_active_province():
        with transaction.atomic():
            try:
                start_and_queue()
                started += 1
            except Conflict as exc:
                # No active standard or a run in progress: that province skips this month.
                logger.warning("Re-grading not started in %s: %s", member.schema_name, exc)
    return started
