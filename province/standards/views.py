"""The province's page of national standards in force (R11.2)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from province.standards import selectors


@login_required
@permission_required("standards.view_receivedrelease", raise_exception=True)
def in_force(request):
    return render(
        request,
        "standards/in_force.html",
        {
            "kinds": selectors.standards_in_force(),
            "history": selectors.history(),
            "national_rules": selectors.national_rules(),
        },
    )
