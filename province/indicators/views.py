"""The province's indicator page (appendix 1, R11.2): its own values of a month by
dimension, a trend chart, its targets with completion, and the button that computes a month
and publishes it to HQ. Province-wide figures: only roles that see the whole province."""

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.indicators import selectors, services
from province.indicators.forms import SplitForm
from province.indicators.models import ProvinceTarget, ReceivedDefinition
from province.org.models import OrgUnit
from shared.forms import apply_service

VIEW = "province_indicators.view_indicatorvalue"
COMPUTE = "province_indicators.compute_indicators"
VIEW_SPLIT = "province_indicators.view_unittarget"
SPLIT = "province_indicators.change_unittarget"


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


def _progress_month(target):
    """The month completion is shown for: the newest month of the target's period so far."""
    this_month = timezone.localdate().replace(day=1)
    if this_month < target.period_start:
        return None
    return min(this_month, target.period_end)


@login_required
@permission_required(VIEW_SPLIT, raise_exception=True)
def target_split(request, code):
    """R4.2.2–3: the province's target split over its org units, one level at a time
    (``?unit=`` the parent, the root unit by default), with completion per unit."""
    target = get_object_or_404(ProvinceTarget, code=code)
    units = OrgUnit.objects.visible_to(request.user)
    unit_id = request.GET.get("unit") or request.POST.get("unit")
    if unit_id:
        if not str(unit_id).isdigit():
            raise Http404
        parent = get_object_or_404(units, pk=unit_id)
    else:
        parent = services.root_unit()
        if parent is None or not units.filter(pk=parent.pk).exists():
            raise Http404
    month = _progress_month(target)
    rows, per_unit = selectors.split_progress(target, parent, month, user=request.user)
    children = [row.unit for row in rows]
    can_split = request.user.has_perm(SPLIT)
    status = 200
    if request.method == "POST":
        # A split covers every unit under the parent: only someone who sees them all saves.
        hidden = OrgUnit.objects.filter(parent=parent, is_active=True).exclude(
            pk__in=[unit.pk for unit in children]
        )
        if not can_split or hidden.exists():
            raise PermissionDenied
        form = SplitForm(request.POST, units=children)
        result = form.is_valid() and apply_service(
            form,
            lambda: services.split_target(target, parent, form.shares(), actor=request.user),
        )
        if result:
            messages.success(request, _("The split was saved."))
            for unit in result.cleared:
                messages.warning(
                    request,
                    _("The split below %(unit)s was cleared because its share changed.")
                    % {"unit": unit},
                )
            return redirect(f"{reverse('indicators:target', args=[target.code])}?unit={parent.pk}")
        status = 400
    else:
        form = SplitForm(
            units=children,
            initial={
                services.share_field(row.unit.pk): row.share.value for row in rows if row.share
            },
        )
    amount = services.parent_share(target, parent)
    assigned = sum((row.share.value for row in rows if row.share), 0)
    return render(
        request,
        "province_indicators/target_split.html",
        {
            "target": target,
            "parent": parent,
            "ancestors": list(units.filter(pk__in=_ancestor_ids(parent)).order_by("depth")),
            "amount": amount,
            "assigned": assigned,
            "rows": [(row, form[services.share_field(row.unit.pk)]) for row in rows],
            "form": form,
            "per_unit": per_unit,
            "month": month,
            "province_completion": selectors.latest_completion(target),
            "can_split": can_split,
            "has_children": set(
                OrgUnit.objects.filter(parent__in=children, is_active=True).values_list(
                    "parent_id", flat=True
                )
            ),
        },
        status=status,
    )


def _ancestor_ids(unit) -> list[int]:
    return [int(part) for part in unit.path.split(".") if part][:-1]
