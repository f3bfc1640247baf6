"""HQ's club pages (R11.1): the definition (tiers, benefits, entry rules) with its published
versions and the publish button, the national roster, the usage statistics with charts
and an Excel export, and the visits HQ routed between serving and home provinces (R6.5.3).
Writes go through ``hq.club.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hq.club import selectors, services
from hq.club.choices import MemberStatus, VisitStatus
from hq.club.exports import statistics_download, visits_download
from hq.club.forms import BenefitForm, EntryRulesForm, TierForm, VisitFilterForm
from hq.club.models import ClubBenefit, ClubRulesVersion, ClubTier
from shared.errors import Conflict
from shared.forms import apply_service

ROSTER_SHOWN = 200
VISITS_SHOWN = 200


@login_required
@permission_required("hqclub.view_clubtier", raise_exception=True)
def definition(request):
    """Tiers with their benefits, the entry rules and the published versions."""
    context = {
        "tiers": ClubTier.objects.prefetch_related("benefits"),
        "entry": services.entry_rules(),
        "versions": ClubRulesVersion.objects.all()[:20],
        "can_edit": request.user.has_perm("hqclub.change_clubtier"),
        "can_publish": request.user.has_perm("hqclub.add_clubrulesversion"),
    }
    return render(request, "club/definition.html", context)


def _edit(request, form, call, title):
    if request.method == "POST" and form.is_valid() and apply_service(form, call) is not None:
        messages.success(request, _("Saved. Publish to send the change to the provinces."))
        return redirect("club:definition")
    return render(request, "club/form.html", {"form": form, "title": title})


@login_required
def tier_form(request, pk=None):
    if not request.user.has_perm("hqclub.change_clubtier" if pk else "hqclub.add_clubtier"):
        raise PermissionDenied
    tier = get_object_or_404(ClubTier, pk=pk) if pk else None
    form = TierForm(request.POST or None, instance=tier)
    return _edit(
        request,
        form,
        lambda: services.save_tier(tier, actor=request.user, **form.cleaned_data),
        _("Club tier"),
    )


@login_required
def benefit_form(request, pk=None):
    if not request.user.has_perm("hqclub.change_clubbenefit" if pk else "hqclub.add_clubbenefit"):
        raise PermissionDenied
    benefit = get_object_or_404(ClubBenefit, pk=pk) if pk else None
    form = BenefitForm(request.POST or None, instance=benefit, initial=request.GET.dict())
    return _edit(
        request,
        form,
        lambda: services.save_benefit(benefit, actor=request.user, **form.cleaned_data),
        _("Club benefit"),
    )


@login_required
@permission_required("hqclub.change_clubentryrules", raise_exception=True)
def entry_rules_form(request):
    form = EntryRulesForm(request.POST or None, instance=services.entry_rules())
    return _edit(
        request,
        form,
        lambda: services.save_entry_rules(actor=request.user, **form.cleaned_data),
        _("Entry rules"),
    )


@login_required
@require_POST
@permission_required("hqclub.add_clubrulesversion", raise_exception=True)
def publish(request):
    try:
        version = services.publish_rules(actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Version %(version)s was sent to %(count)s provinces.")
            % {"version": version.version, "count": len(version.provinces)},
        )
    return redirect("club:definition")


@login_required
@permission_required("hqclub.view_clubmember", raise_exception=True)
def roster(request):
    """The national roster (R11.1), filtered by province, tier, status or card number, and
    to the members below the entry rules (``below=1``, with how many are in each status:
    what HQ's level-drop policy does to them)."""
    filters = {k: request.GET.get(k, "") for k in ("province", "tier", "status", "q")}
    below = request.GET.get("below", "") in {"1", "true", "on"}
    rows = selectors.roster(request.user, **filters, below=below)
    context = {
        "members": rows[:ROSTER_SHOWN],
        "shown": ROSTER_SHOWN,
        "filters": filters,
        "below": below,
        "below_counts": _labelled(selectors.status_counts(rows)) if below else None,
        "entry": services.entry_rules() if below else None,
        "provinces": selectors.province_names(),
        "tiers": selectors.tier_names(),
        "statuses": MemberStatus.choices,
    }
    return render(request, "club/roster.html", context)


def _labelled(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(value, label, counts[value]) for value, label in MemberStatus.choices]


@login_required
@permission_required("hqclub.view_clubusage", raise_exception=True)
def statistics(request):
    """Members and benefit usage per province, tier, benefit and month, with charts and an
    export (``?format=xlsx`` or ``csv``)."""
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    figures = selectors.usage_statistics(request.user, year)
    fmt = request.GET.get("format", "")
    if fmt in {"xlsx", "csv"}:
        return statistics_download(figures, fmt)
    return render(request, "club/statistics.html", {"figures": figures, "year": year})


@login_required
@permission_required("hqclub.view_visitrouting", raise_exception=True)
def visits(request):
    """Visiting-member usage routed through HQ (R6.5.3, R11.1 "members are served in every
    province"): filtered by month of use, serving and home province and status, charted per
    serving → home pair and per month, exported with ``?format=xlsx`` or ``csv`` (every
    matching row; the page shows the newest ``VISITS_SHOWN``)."""
    names = selectors.province_names()
    form = VisitFilterForm(request.GET, provinces=names)
    if not form.is_valid():
        return render(request, "club/visits.html", {"form": form}, status=400)
    filters = form.filters()
    rows = selectors.routed_visits(request.user, **filters)
    figures = selectors.visit_figures(request.user, **filters)
    fmt = request.GET.get("format", "")
    if fmt in {"xlsx", "csv"}:
        return visits_download(rows.iterator(), figures, names, fmt, filters["month"])
    query = request.GET.copy()
    query.pop("format", None)
    shown = list(rows[:VISITS_SHOWN])
    for visit in shown:
        visit.serving_name = names.get(visit.serving_province, visit.serving_province)
        visit.home_name = names.get(visit.home_province, visit.home_province)
    context = {
        "form": form,
        "visits": shown,
        "shown": VISITS_SHOWN,
        "figures": figures,
        "names": names,
        "query": query.urlencode(),
        "chart": _visits_chart(figures),
    }
    return render(request, "club/visits.html", context)


CHART_PAIRS = 20


def _visits_chart(figures: dict) -> dict:
    """ECharts data: the busiest serving → home pairs stacked by status, and the trend."""
    pairs = figures["pairs"][:CHART_PAIRS]
    return {
        "pairs": [f"{p['serving_name']} → {p['home_name']}" for p in pairs],
        "series": [
            {"name": str(label), "data": [p[value] for p in pairs]}
            for value, label in VisitStatus.choices
        ],
        "months": [m["month"] for m in figures["months"]],
        "visits": [m["visits"] for m in figures["months"]],
        "quantity": [m["quantity"] for m in figures["months"]],
        "visits_label": _("Visits"),
        "quantity_label": _("Quantity"),
    }
