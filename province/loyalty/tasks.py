"""Celery tasks of the loyalty app (R2.4.5, R2.4.6): thin wrappers around the services.

``accrue_points_task`` and ``expire_points_task`` run in the schema of the tenant that
queued them (tenant-schemas-celery); the ``*_all_provinces_task`` entries are for beat.
"""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from province.loyalty import notices, services
from shared.errors import Conflict
from sync import directory

logger = logging.getLogger(__name__)


@shared_task(name="province.loyalty.tasks.accrue_points_task", acks_late=True)
def accrue_points_task(run_id: int) -> dict:
    run = services.execute_accrual(run_id)
    return {"run": run.pk, "status": run.status, "entries": run.entries_created}


@shared_task(name="province.loyalty.tasks.expire_points_task", acks_late=True)
def expire_points_task(run_id: int) -> dict:
    run = services.execute_expiry(run_id)
    return {"run": run.pk, "status": run.status, "expired": run.points_expired}


def start_accrual_and_queue(period: date, *, actor=None):
    run = services.start_accrual(period, actor=actor)
    transaction.on_commit(lambda: accrue_points_task.delay(run.pk))
    return run


def start_expiry_and_queue(as_of: date | None = None, *, actor=None):
    run = services.start_expiry(as_of, actor=actor)
    transaction.on_commit(lambda: expire_points_task.delay(run.pk))
    return run


def _previous_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _in_every_province(start) -> int:
    started = 0
    for member in directory.each_active_province():
        with transaction.atomic():
            try:
                start()
                started += 1
            except Conflict as exc:
                logger.warning("Loyalty run not started in %s: %s", member.schema_name, exc)
    return started


@shared_task(name="province.loyalty.tasks.accrue_points_all_provinces_task")
def accrue_points_all_provinces_task() -> int:
    """Monthly: accrue last month's paid bills in every province."""
    return _in_every_province(lambda: start_accrual_and_queue(_previous_month()))


@shared_task(name="province.loyalty.tasks.expire_points_all_provinces_task")
def expire_points_all_provinces_task() -> int:
    """Daily: expire lapsed lots in every province."""
    return _in_every_province(start_expiry_and_queue)


# --- automatic redemption (R2.4.8) -------------------------------------------------------


@shared_task(name="province.loyalty.tasks.auto_redeem_task", acks_late=True)
def auto_redeem_task(run_id: int) -> dict:
    run = services.execute_auto_redemption(run_id)
    return {"run": run.pk, "status": run.status, "redeemed": run.redeemed}


def start_auto_redemption_and_queue(as_of: date | None = None, *, actor=None):
    run = services.start_auto_redemption(as_of, actor=actor)
    transaction.on_commit(lambda: auto_redeem_task.delay(run.pk))
    return run


@shared_task(name="province.loyalty.tasks.auto_redeem_all_provinces_task")
def auto_redeem_all_provinces_task() -> int:
    """Daily: redeem points about to lapse by the automatic rules in every province."""
    return _in_every_province(start_auto_redemption_and_queue)


# --- expiry notices (R2.4.5) ------------------------------------------------------------


@shared_task(name="province.loyalty.tasks.notify_expiring_points_all_provinces_task")
def notify_expiring_points_all_provinces_task() -> int:
    """Daily: expiry notices for account managers in every province (R2.4.5)."""
    created = 0
    for member in directory.each_active_province():
        try:
            created += notices.create_expiry_notices()
        except Exception:  # one province's failure must not stop the others
            logger.exception("Expiry notices failed in %s", member.schema_name)
    return created
