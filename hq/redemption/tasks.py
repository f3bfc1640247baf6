"""Celery tasks of HQ's national redemption: thin wrappers around the services.

Beat runs in the public schema; the task enters HQ's schema itself.
"""

from celery import shared_task
from django_tenants.utils import tenant_context

from hq.redemption import services
from sync import directory


@shared_task(name="hq.redemption.tasks.release_overdue_redemptions_task")
def release_overdue_redemptions_task():
    with tenant_context(directory.tenant_for(directory.hq_schema())):
        return services.release_overdue()
