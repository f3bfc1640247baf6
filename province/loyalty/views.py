"""Pages of the loyalty app (R2.4): a customer's points (balance, lots, history and manual
adjustment), accrual runs with a live progress bar, pending adjustments for approvers, and
expiry warnings for account managers with a CSV export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.customers.models import Customer
from province.loyalty import services
from province.loyalty.choices import AdjustmentStatus
from province.loyalty.filters import AdjustmentRequestFilterSet
from province.loyalty.forms import AdjustmentForm, DecisionForm
from province.loyalty.models import AdjustmentRequest
from province.loyalty.selectors import (
    DEFAULT_WARNING_DAYS,
    customer_redemptions,
    expiring_points,
    points_summary,
)
from shared.errors import Conflict
from shared.exports import csv_download
from shared.forms import apply_service

MAX_DAYS = 366
ADJUSTMENTS_SHOWN = 200


def _report(request, exc) -> None:
    """A service's refusal as a message on the next page."""
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc.message))


# --- one customer's points (R2.4.1, R2.4.7, R6.5.2) --------------------------------------


def _visible_customer(request, pk) -> Customer:
    if not request.user.has_perm("customers.view_customer"):
        raise PermissionDenied
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


@login_required
@permission_required("loyalty.view_pointsaccount", raise_exception=True)
def customer_points(request, pk):
    """Balance, held and available points, open lots, the last 100 entries and (for users
    who may request one) the manual adjustment form (R2.4.1, R2.4.7, R6.5.2)."""
    customer = _visible_customer(request, pk)
    can_adjust = request.user.has_perm("loyalty.add_adjustmentrequest")
    form = AdjustmentForm()
    if request.method == "POST":
        if not can_adjust:
            raise PermissionDenied
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            adjustment = apply_service(
                form,
                lambda: services.request_adjustment(
                    customer,
                    form.cleaned_data["points"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                ),
            )
            if adjustment is not None:
                if adjustment.status == AdjustmentStatus.PENDING:
                    messages.info(
                        request, _("The adjustment is above the threshold and awaits approval.")
                    )
                else:
                    messages.success(request, _("The adjustment was posted."))
                return redirect("loyalty:customer", pk=customer.pk)
    pending = None
    if request.user.has_perm("loyalty.view_adjustmentrequest"):
        pending = AdjustmentRequest.objects.visible_to(request.user).filter(
            customer=customer, status=AdjustmentStatus.PENDING
        )
    context = {
        "customer": customer,
        "summary": points_summary(customer),
        "form": form,
        "can_adjust": can_adjust,
        "pending": pending,
        "redemptions": customer_redemptions(customer)[:50]
        if request.user.has_perm("loyalty.view_redemption")
        else None,
    }
    return render(request, "loyalty/customer.html", context)


# --- adjustments (R2.4.7) ----------------------------------------------------------------


@login_required
@permission_required("loyalty.view_adjustmentrequest", raise_exception=True)
def adjustment_list(request):
    """Adjustment requests, pending ones by default; approvers decide here (R2.4.7)."""
    data = request.GET.copy()
    data.setdefault("status", AdjustmentStatus.PENDING)
    queryset = AdjustmentRequest.objects.visible_to(request.user).select_related(
        "customer", "created_by", "decided_by"
    )
    filterset = AdjustmentRequestFilterSet(data, queryset=queryset)
    rows = filterset.qs.order_by("-id")[:ADJUSTMENTS_SHOWN]
    context = {
        "filter": filterset,
        "rows": rows,
        "status": data.get("status"),
        "statuses": AdjustmentStatus.choices,
        "can_decide": request.user.has_perm("loyalty.approve_adjustmentrequest"),
    }
    return render(request, "loyalty/adjustments.html", context)


@login_required
@require_POST
@permission_required("loyalty.approve_adjustmentrequest", raise_exception=True)
def adjustment_decide(request, pk):
    """Approve (post) or reject a pending adjustment; never one's own request (R2.4.7)."""
    adjustment = get_object_or_404(AdjustmentRequest.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("loyalty:adjustments")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.decide_adjustment(
            adjustment, actor=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("The adjustment was approved and posted.")
            if approve
            else _("The adjustment was rejected."),
        )
    return redirect("loyalty:adjustments")


# --- expiry warnings (R2.4.5) ------------------------------------------------------------


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
    header = [
        _("Customer number"),
        _("Customer"),
        _("Account manager"),
        _("Expires at"),
        _("Points"),
    ]
    rows = (
        [
            row["customer__number"],
            row["customer__name"],
            row["customer__account_manager__name"] or "",
            row["expires_at"].isoformat(),
            row["points"],
        ]
        for row in expiring_points(request.user, within_days=days).iterator()
    )
    stamp = timezone.localdate().isoformat()
    return csv_download(f"points-expiring-{stamp}.csv", [header, *rows])
