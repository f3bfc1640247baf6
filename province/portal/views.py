"""Province home page (R9.2: what the signed-in person may see of their province)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from province.org.selectors import home_figures
from shared.accounts.roles import role_label


@login_required
def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "figures": home_figures(request.user),
            "roles": [role_label(code) for code in request.user.role_codes],
            "staff": getattr(request.user, "staff", None),
        },
    )
