"""Pages of the loyalty app (R2.4): expiry warnings for account managers with a CSV export."""

import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from province.loyalty.selectors import DEFAULT_WARNING_DAYS, expiring_points

MAX_DAYS = 366


def _days(request) -> int:
    raw = request.GET.get("days", "")
    return min(int(raw), MAX_DAYS) if raw.isdigit() else DEFAULT_WARNING_DAYS


@login_required
@permission_required("loyalty.view_pointslot", raise_exception=True)
def expiry_warnings(request):
    """Customers whose points lapse within N days (R2.4.5)."""
    days = _days(request)
    rows = expiring_points(request.user, within_days=days)[:1000]
    return render(request, "loyalty/warnings.html", {"rows": rows, "days": days})


@login_required
@permission_required("loyalty.view_pointslot", raise_exception=True)
def expiry_warnings_export(request):
    days = _days(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # Excel needs the BOM to read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [_("Customer number"), _("Customer"), _("Account manager"), _("Expires at"), _("Points")]
    )
    for row in expiring_points(request.user, within_days=days).iterator():
        writer.writerow(
            [
                row["customer__number"],
                row["customer__name"],
                row["customer__account_manager__name"] or "",
                row["expires_at"].isoformat(),
                row["points"],
            ]
        )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="points-expiring-{stamp}.csv"'
    return response
