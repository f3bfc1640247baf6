"""Celery tasks of the credit app (R2.3): thin wrappers around the services.

``*_task`` runs in the schema it was queued from (tenant-schemas-celery). Beat runs in the
public schema and calls the ``*_all_provinces_task`` fan-outs, which queue one task per
active province.
"""

from celery import shared_task

from province.credit import services
from sync import directory


@shared_task(name="province.credit.tasks.assess_credit_task")
def assess_credit_task():
    result = services.assess_credit()
    return {"assessed": result.assessed, "changed": result.changed}


@shared_task(name="province.credit.tasks.expire_credit_grants_task")
def expire_credit_grants_task():
    return services.expire_grants()


def _fan_out(task) -> int:
    queued = 0
    for _member in directory.each_active_province():
        task.delay()
        queued += 1
    return queued


@shared_task(name="province.credit.tasks.assess_credit_all_provinces_task")
def assess_credit_all_provinces_task():
    return _fan_out(assess_credit_task)


@shared_task(name="province.credit.tasks.expire_credit_grants_all_provinces_task")
def expire_credit_grants_all_provinces_task():
    return _fan_out(expire_credit_grants_task)
