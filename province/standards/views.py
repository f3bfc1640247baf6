"""The province's page of national standards in force (R11.2), and the form where it sets
its own stricter service SLAs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from province.standards import selectors, services
from province.standards.forms import LocalTimeLimitForm
from province.standards.models import ServiceTimeLimit
from shared.forms import apply_service

VIEW = "standards.view_receivedrelease"
CHANGE_SLA = "standards.change_servicetimelimit"


@login_required
@permission_required(VIEW, raise_exception=True)
def in_force(request):
    return render(
        request,
        "standards/in_force.html",
        {
            "kinds": selectors.standards_in_force(),
            "history": selectors.history(),
            "national_rules": selectors.national_rules(),
            "time_limits": selectors.time_limits(),
        },
    )


@login_required
@permission_required(CHANGE_SLA, raise_exception=True)
def edit_time_limit(request, pk):
    """The province's own values of one SLA: stricter than HQ's, or empty for HQ's."""
    limit = get_object_or_404(ServiceTimeLimit.objects.visible_to(request.user), pk=pk)
    status = 200
    if request.method == "POST":
        form = LocalTimeLimitForm(request.POST)
        if form.is_valid() and apply_service(
            form,
            lambda: services.set_local_time_limit(limit, actor=request.user, **form.cleaned_data),
        ):
            messages.success(request, _("The provincial time limits were saved."))
            return redirect("standards:in-force")
        status = 400
    else:
        form = LocalTimeLimitForm(initial=LocalTimeLimitForm.initial_from(limit))
    return render(
        request, "standards/time_limit_form.html", {"limit": limit, "form": form}, status=status
    )
