"""HQ home: every province with its status, figures and sync health."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from hq.federation.selectors import province_statuses


@login_required
@permission_required("federation.view_provincesummary", raise_exception=True)
def home(request):
    statuses = province_statuses()
    chart = {
        "names": [s.name for s in statuses],
        "staff": [s.staff_count or 0 for s in statuses],
        "units": [s.org_unit_count or 0 for s in statuses],
    }
    totals = {
        "provinces": len(statuses),
        "reporting": sum(1 for s in statuses if s.last_sync_at),
        "staff": sum(s.staff_count or 0 for s in statuses),
        "failed": sum(s.failed_messages for s in statuses),
    }
    return render(
        request,
        "federation/home.html",
        {"statuses": statuses, "chart": chart, "totals": totals},
    )
