"""The serving desk's "Visiting member redemption" page (R6.5.3): find a member of any
province in HQ's directory, redeem a national item against the points the home province
holds, hand it over once the points are reserved, and follow each request to the end."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.national import services
from province.national.forms import LookupForm, NationalRedemptionForm
from province.national.models import NationalItem, VisitingRedemption
from shared.errors import Conflict
from shared.forms import apply_service
from sync import directory

SHOWN = 50


def _lookup(raw: str):
    raw = (raw or "").strip().replace(" ", "")
    if len(raw) == 11 and raw.startswith("1"):
        return directory.find_member(phone=raw)
    return directory.find_member(card_number=raw)


def _rows(user):
    return VisitingRedemption.objects.visible_to(user).order_by("-id")[:SHOWN]


@login_required
@permission_required("national.view_visitingredemption", raise_exception=True)
def visiting(request):
    lookup = LookupForm(request.GET or None)
    entry = _lookup(request.GET.get("q")) if lookup.is_valid() else None
    form = NationalRedemptionForm(request.POST or None)
    if request.method == "POST" and entry is not None:
        if not request.user.has_perm("national.add_visitingredemption"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            saved = apply_service(
                form,
                lambda: services.request_redemption(
                    entry, data["item"], data["quantity"], actor=request.user
                ),
            )
            if saved is not None:
                messages.info(
                    request,
                    _("Sent to the member's home province; hand the item over once reserved."),
                )
                return redirect("national:visiting")
    context = {
        "lookup": lookup,
        "searched": lookup.is_valid(),
        "entry": entry,
        "home": directory.tenant_for(entry.home_province) if entry else None,
        "is_local": bool(entry and entry.home_province == request.tenant.schema_name),
        "form": form,
        "has_catalog": NationalItem.objects.filter(is_active=True).exists(),
        "rows": _rows(request.user),
    }
    return render(request, "national/visiting.html", context)


@login_required
@permission_required("national.view_visitingredemption", raise_exception=True)
def visiting_status(request):
    """The table alone (htmx polls it while a request waits for an answer)."""
    return render(request, "national/_redemptions.html", {"rows": _rows(request.user)})


@login_required
@require_POST
@permission_required("national.change_visitingredemption", raise_exception=True)
def fulfil(request, pk):
    redemption = get_object_or_404(VisitingRedemption.objects.visible_to(request.user), pk=pk)
    try:
        services.fulfil(redemption, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Handed over; the home province is capturing the points."))
    return redirect("national:visiting")
