"""Celery tasks of the province indicators (appendix 1): thin wrappers around the service.

``compute_indicators_all_provinces_task`` is the monthly beat entry: it runs in the public
schema and computes the previous month in every active province, one transaction each.
"""

import logging

from celery import shared_task
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from province.indicators import services
from sync import directory

logger = logging.getLogger(__name__)


def previous_month():
    return (timezone.localdate().replace(day=1)) - relativedelta(months=1)


@shared_task(name="province.indicators.tasks.compute_indicators_all_provinces_task")
def compute_indicators_all_provinces_task(period: str | None = None) -> int:
    month = services.parse_month(period) if period else previous_month()
    done = 0
    for member in directory.each_active_province():
        try:
            services.compute_indicators(month)
            done += 1
        except Exception:  # one province's failure must not stop the others
            logger.exception("Indicators of %s not computed in %s", month, member.schema_name)
    return done
