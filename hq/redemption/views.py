"""HQ's national redemption pages (R6.5.3, R2.4.9): the national catalogue with its
versions and the publish button, the record of national redemptions, and the monthly
inter-province settlement (matrix, chart, Excel export). Writes go through the services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hq.redemption import selectors, services
from hq.redemption.exports import settlement_download
from hq.redemption.filters import NationalRedemptionFilterSet
from hq.redemption.forms import NationalItemForm
from hq.redemption.models import NationalCatalogVersion, NationalRedemption, NationalRewardItem
from shared.errors import Conflict
from shared.forms import apply_service
from sync import directory

SHOWN = 200


def _province_names() -> dict[str, str]:
    return {m.schema_name: m.display_name for m in directory.provinces()}


@login_required
@permission_required("hqredemption.view_nationalrewarditem", raise_exception=True)
def catalog(request):
    context = {
        "items": NationalRewardItem.objects.visible_to(request.user),
        "versions": NationalCatalogVersion.objects.visible_to(request.user)[:20],
        "can_edit": request.user.has_perm("hqredemption.change_nationalrewarditem"),
        "can_publish": request.user.has_perm("hqredemption.add_nationalcatalogversion"),
    }
    return render(request, "redemption/catalog.html", context)


@login_required
def item_form(request, pk=None):
    perm = "change" if pk else "add"
    if not request.user.has_perm(f"hqredemption.{perm}_nationalrewarditem"):
        raise PermissionDenied
    item = get_object_or_404(NationalRewardItem, pk=pk) if pk else None
    form = NationalItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: services.save_item(item, actor=request.user, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("Saved. Publish to send the change to the provinces."))
            return redirect("redemption:catalog")
    return render(
        request, "redemption/form.html", {"form": form, "title": _("National reward item")}
    )


@login_required
@require_POST
@permission_required("hqredemption.add_nationalcatalogversion", raise_exception=True)
def publish(request):
    try:
        version = services.publish_catalog(actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Version %(version)s was sent to %(count)s provinces.")
            % {"version": version.version, "count": len(version.provinces)},
        )
    return redirect("redemption:catalog")


@login_required
@permission_required("hqredemption.view_nationalredemption", raise_exception=True)
def redemptions(request):
    """Every national redemption HQ routed, newest first, filtered by province or status."""
    filters = NationalRedemptionFilterSet(
        request.GET, queryset=NationalRedemption.objects.visible_to(request.user)
    )
    province = request.GET.get("province", "")
    status = request.GET.get("status", "")
    context = {
        "rows": filters.qs.order_by("-id")[:SHOWN],
        "names": _province_names(),
        "province": province,
        "status": status,
        "statuses": NationalRedemption._meta.get_field("status").choices,
    }
    return render(request, "redemption/redemptions.html", context)


def _month(raw: str) -> date:
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return timezone.localdate().replace(day=1)


@login_required
@permission_required("hqredemption.view_nationalredemption", raise_exception=True)
def settlement(request):
    """R2.4.9: what each home province owes each serving province in one month."""
    month = _month(request.GET.get("month", ""))
    figures = selectors.settlement(month)
    names = _province_names()
    fmt = request.GET.get("format", "")
    if fmt in {"xlsx", "csv"}:
        return settlement_download(figures, names, fmt)
    chart = {
        "homes": [names.get(h, h) for h in figures.homes],
        "servings": [names.get(s, s) for s in figures.servings],
        "series": [[str(figures.owed(h, s)) for h in figures.homes] for s in figures.servings],
    }
    context = {
        "month": month,
        "figures": figures,
        "names": names,
        "servings": [names.get(s, s) for s in figures.servings],
        "rows": [(names.get(h, h), amounts, total) for h, amounts, total in figures.matrix()],
        "months": selectors.settlement_months(),
        "chart": chart,
    }
    return render(request, "redemption/settlement.html", context)
