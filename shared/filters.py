"""Filters more than one app's FilterSets use (pages and API alike)."""

from datetime import datetime, time

import django_filters
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MonthFilter(django_filters.DateFilter):
    """``?<name>=YYYY-MM``: rows whose timestamp ``field_name`` falls in that calendar month
    in the tenant's time zone (Asia/Shanghai); anything else is a field error (400)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m"])
        kwargs.setdefault("help_text", _("A month, YYYY-MM."))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        tz = timezone.get_current_timezone()
        start = datetime.combine(value.replace(day=1), time.min, tzinfo=tz)
        end = start + relativedelta(months=1)
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})
