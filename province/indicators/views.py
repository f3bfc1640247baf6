"""The province's indicator page (appendix 1, R11.2): its own values of a month by
dimension, a trend chart, its targets with completion, and the button that computes a month
and publishes it to HQ. Province-wide figures: only roles that see the whole province."""

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.indicators import selectors, services
from province.indicators.models import ProvinceTarget, ReceivedDefinition

VIEW = "province_indicators.view_indicatorvalue"
COMPUTE = "province_indicators.compute_indicators"


def parse_month_or_none(value):
    try:
        return services.parse_month(value)
    except (AttributeError, ValueError):
        return None


def _number(value):
    return None if value is None else float(value)


@login_required
@permission_required(VIEW, raise_exception=True)
def index(request):
    months = selectors.computed_months()
    period = parse_month_or_none(request.GET.get("period")) or (months[-1] if months else None)
    definitions = {d.code: d for d in ReceivedDefinition.objects.all()}
    table = selectors.month_table(period) if period else {}
    codes = list(definitions) or sorted(table)
    indicator = request.GET.get("indicator") or "KC_REVENUE"
    rows = [
        {
            "code": code,
            "definition": definitions.get(code),
            "total": table.get(code, {}).get("", {}).get(""),
            "by": {dim: sorted(v.items()) for dim, v in table.get(code, {}).items() if dim},
        }
        for code in codes
    ]
    trend = selectors.own_trend(indicator)
    targets = list(ProvinceTarget.objects.order_by("-period_start", "code"))
    completion = table.get("TARGET_COMPLETION", {}).get("target", {})
    for target in targets:
        target.completion = completion.get(target.code)
    # The month offered for computing: the one shown, else the last complete month.
    default_month = period or (timezone.localdate().replace(day=1) - relativedelta(months=1))
    return render(
        request,
        "province_indicators/index.html",
        {
            "period": period,
            "months": months,
            "indicator": indicator,
            "rows": rows,
            "targets": targets,
            "version": services.definitions_version(),
            "default_month": default_month,
            "chart": {
                "months": [f"{m:%Y-%m}" for m, _v in trend],
                "values": [_number(v) for _m, v in trend],
                "label": indicator,
            },
        },
    )


@require_POST
@login_required
@permission_required(COMPUTE, raise_exception=True)
def compute(request):
    """Compute a month now and publish it to HQ (re-computing replaces the month)."""
    month = parse_month_or_none(request.POST.get("period"))
    if month is None:
        messages.error(request, _("Enter a month as YYYY-MM."))
        return redirect("indicators:index")
    values = services.compute_indicators(month, actor=request.user)
    messages.success(
        request,
        _("Indicators of %(month)s computed (%(count)s values) and sent to HQ.")
        % {"month": f"{month:%Y-%m}", "count": len(values)},
    )
    return redirect(f"{reverse('indicators:index')}?period={month:%Y-%m}")
