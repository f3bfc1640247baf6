"""The public host's only page: links to HQ and every province."""

from django.shortcuts import render

from tenants.models import Tenant, TenantType


def directory(request):
    tenants = (
        Tenant.objects.filter(is_template=False)
        .exclude(type=TenantType.PUBLIC)
        .prefetch_related("domains")
        .order_by("type", "code")
    )
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    entries = [
        {
            "tenant": t,
            "url": f"//{d.domain}{suffix}/",
        }
        for t in tenants
        for d in t.domains.all()
        if d.is_primary
    ]
    return render(request, "tenants/directory.html", {"entries": entries})
