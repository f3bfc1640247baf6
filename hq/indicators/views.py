"""HQ's indicator pages (appendix 1, R11.2): the consolidated dashboard with ranking,
trend and Excel export, the drill-down to one province, the catalogue with its publication,
and national targets compared side by side."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hq.indicators import exports, selectors, services
from hq.indicators.forms import DashboardForm, TargetForm
from hq.indicators.models import IndicatorFact, Target
from shared.errors import Conflict
from shared.exports import sections_download
from sync import directory

VIEW = "indicators.view_indicatorfact"


def _jsonable(value):
    return None if value is None else float(value)


@login_required
@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    """National totals, per-province ranking (bar), national trend (line), export."""
    form = DashboardForm(request.GET)
    if not form.is_valid():
        return render(request, "hq_indicators/dashboard.html", {"form": form}, status=400)
    period, definition = form.chosen()
    context = {
        "form": form,
        "period": period,
        "definition": definition,
        "reporting": selectors.reporting_status(),
        "current_version": selectors.current_version(),
    }
    if period is None or definition is None:
        return render(request, "hq_indicators/dashboard.html", context)
    months = selectors.periods()
    totals = selectors.national_totals(period)
    ranking = selectors.ranking(definition, period)
    trend = selectors.trend(definition, months)
    if request.GET.get("format") in {"xlsx", "csv"}:
        sections = exports.dashboard_sections(
            period, definition, totals, ranking, trend, _province_matrix(period)
        )
        return sections_download(sections, f"indicators-{period:%Y%m}", request.GET["format"])
    context.update(
        totals=totals,
        ranking=ranking,
        chart={
            "ranking": {
                "names": [r.name for r in ranking],
                "values": [_jsonable(r.value) for r in ranking],
            },
            "trend": {
                "months": [f"{m:%Y-%m}" for m, _v in trend],
                "values": [_jsonable(v) for _m, v in trend],
            },
            "label": definition.name,
        },
        query=request.GET.urlencode(),
    )
    return render(request, "hq_indicators/dashboard.html", context)


def _province_matrix(period):
    names = {m.schema_name: m.display_name for m in directory.provinces()}
    values = defaultdict(dict)
    facts = IndicatorFact.objects.filter(period=period, dimension="").order_by()
    for province, code, value in facts.values_list("province", "indicator", "value"):
        values[province][code] = value
    return [(names.get(p, p), values.get(p, {})) for p in names]


@login_required
@permission_required(VIEW, raise_exception=True)
def province_detail(request, schema_name: str):
    """Drill-down: one province's month, every indicator by its dimensions."""
    members = {m.schema_name: m for m in directory.provinces()}
    if schema_name not in members:
        raise Http404
    form = DashboardForm(request.GET)
    period, definition = form.chosen() if form.is_valid() else (None, None)
    breakdown = selectors.province_breakdown(schema_name, period) if period else {}
    rows = []
    for d in selectors.definitions():
        dims = breakdown.get(d.code, {})
        rows.append(
            {
                "definition": d,
                "total": dims.get("", {}).get(""),
                "reported": bool(dims),
                "by": {dim: sorted(members_.items()) for dim, members_ in dims.items() if dim},
            }
        )
    chosen = breakdown.get(definition.code, {}) if definition else {}
    chart = {
        dim: {
            "names": [k or "—" for k in sorted(v)],
            "values": [_jsonable(v[k]) for k in sorted(v)],
        }
        for dim, v in chosen.items()
        if dim
    }
    trend = (
        selectors.trend(definition, selectors.periods(), province=schema_name) if definition else []
    )
    context = {
        "member": members[schema_name],
        "form": form,
        "period": period,
        "definition": definition,
        "rows": rows,
        "chart": {
            "dimensions": chart,
            "trend": {
                "months": [f"{m:%Y-%m}" for m, _v in trend],
                "values": [_jsonable(v) for _m, v in trend],
            },
            "label": definition.name if definition else "",
        },
    }
    return render(request, "hq_indicators/province.html", context)


@login_required
@permission_required("indicators.view_indicatordefinition", raise_exception=True)
def catalogue(request):
    """The catalogue (the national standard) and who runs which version of it."""
    return render(
        request,
        "hq_indicators/catalogue.html",
        {
            "definitions": selectors.definitions(),
            "current_version": selectors.current_version(),
            "reporting": selectors.reporting_status(),
        },
    )


@require_POST
@login_required
@permission_required("indicators.publish_definitions", raise_exception=True)
def publish(request):
    release = services.publish_definitions(actor=request.user)
    messages.success(
        request,
        _("Indicator definitions version %(version)s sent to every province.")
        % {"version": release.version},
    )
    return redirect("indicators:catalogue")


@login_required
@permission_required("indicators.view_target", raise_exception=True)
def targets(request):
    """National targets, and (for those who may) the form to set a new one."""
    can_add = request.user.has_perm("indicators.add_target")
    form = TargetForm(request.POST or None) if can_add else None
    status = 200
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                target = services.create_target(
                    code=data["code"],
                    name=data["name"],
                    indicator=data["indicator"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    national_value=data["national_value"],
                    assignments=form.assignments(),
                    actor=request.user,
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            except Conflict as conflict:
                form.add_error("code", str(conflict.message))
            else:
                messages.success(request, _("Target set and sent to the provinces."))
                return redirect("indicators:target", code=target.code)
        status = 400
    rows = [
        selectors.target_comparison(t)
        for t in Target.objects.select_related("indicator").order_by("-period_start", "code")
    ]
    return render(
        request, "hq_indicators/targets.html", {"rows": rows, "form": form}, status=status
    )


@login_required
@permission_required("indicators.view_target", raise_exception=True)
def target_detail(request, code: str):
    """R11.2: the provinces side by side on one target (chart and table)."""
    target = get_object_or_404(Target.objects.select_related("indicator"), code=code)
    comparison = selectors.target_comparison(target)
    chart = {
        "names": [r.name for r in comparison.rows],
        "assigned": [_jsonable(r.value) for r in comparison.rows],
        "actual": [_jsonable(r.actual) for r in comparison.rows],
        "completion": [_jsonable(r.completion) for r in comparison.rows],
    }
    return render(
        request,
        "hq_indicators/target.html",
        {"comparison": comparison, "target": target, "chart": chart},
    )
