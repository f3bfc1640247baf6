"""HQ's sync console pages (issue 5 item 6): every province's link, a drill-down with the
failed messages, and the operator buttons (POST only, audited by the services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hq.console import selectors, services
from shared.errors import Conflict

VIEW = "console.view_sync_console"
OPERATE = "console.operate_sync"


@login_required
@permission_required(VIEW, raise_exception=True)
def console(request):
    rows = selectors.console_rows()
    context = {
        "rows": rows,
        "totals": selectors.console_totals(rows),
        "chart": selectors.console_chart(rows),
    }
    return render(request, "console/console.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def province(request, province):
    detail = selectors.province_detail(province)
    if detail is None:
        raise Http404
    return render(request, "console/province.html", {"detail": detail, "row": detail.row})


@login_required
@permission_required(VIEW, raise_exception=True)
def resync_progress(request, province):
    """The progress bar alone (htmx polls it while the resync runs)."""
    return render(
        request,
        "console/_resync_progress.html",
        {"province": province, "resync": selectors.resync_request(province)},
    )


def _back(request, province):
    if request.POST.get("next") == "province":
        return redirect("console:province", province=province)
    return redirect("console:console")


def _act(request, province, action, done_message):
    try:
        outcome = action()
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done_message(outcome))
    return _back(request, province)


@login_required
@require_POST
@permission_required(OPERATE, raise_exception=True)
def retry(request, province):
    return _act(
        request,
        province,
        lambda: services.retry_failed(province, actor=request.user),
        lambda o: (
            _("%(name)s: %(applied)d applied, %(failed)d still failing.")
            % {"name": province, "applied": o.applied, "failed": o.failed}
        ),
    )


@login_required
@require_POST
@permission_required(OPERATE, raise_exception=True)
def relay(request, province):
    return _act(
        request,
        province,
        lambda: services.relay(province, actor=request.user),
        lambda o: (
            _("%(name)s: %(delivered)d delivered, %(failed)d could not be delivered.")
            % {"name": province, "delivered": o.delivered, "failed": o.failed}
        ),
    )


@login_required
@require_POST
@permission_required(OPERATE, raise_exception=True)
def resync(request, province):
    return _act(
        request,
        province,
        lambda: services.request_resync(province, actor=request.user),
        lambda r: _("A full resync of %(name)s was requested.") % {"name": province},
    )


@login_required
@require_POST
@permission_required(OPERATE, raise_exception=True)
def retry_one(request, province, side, message_id):
    return _act(
        request,
        province,
        lambda: services.retry_message(province, side, str(message_id), actor=request.user),
        lambda m: (
            _("Message %(topic)s:%(key)s is now %(status)s.")
            % {"topic": m.topic, "key": m.key, "status": m.get_status_display()}
        ),
    )


@login_required
@require_POST
@permission_required(OPERATE, raise_exception=True)
def skip_one(request, province, side, message_id):
    return _act(
        request,
        province,
        lambda: services.skip_message(
            province,
            side,
            str(message_id),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        ),
        lambda m: _("Message %(topic)s:%(key)s was skipped.") % {"topic": m.topic, "key": m.key},
    )
