"""Redemption pages (R2.4.4, R2.4.8, R6.5.1, R6.5.2): the catalogue, the counter with its
printable receipt, a redemption's detail with the cancel form, the history with filters and
export, and the automatic redemption rules with their runs.

Every page shows only customers (and their redemptions) the user may see (``visible_to``);
writes go through the services in ``province.loyalty.redemption``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.customers.choices import CustomerLevel
from province.customers.models import Customer
from province.customers.selectors import customer_list, search_customers
from province.loyalty import services
from province.loyalty.filters import RedemptionFilterSet, RewardItemFilterSet
from province.loyalty.forms_redemption import (
    AutoRedemptionRuleForm,
    CancelRedemptionForm,
    RedeemForm,
    RewardItemForm,
)
from province.loyalty.models import (
    AutoRedemptionRule,
    AutoRedemptionRun,
    Redemption,
    RewardItem,
)
from province.loyalty.selectors import (
    counter_catalogue,
    customer_redemptions,
    expiring_soon,
    points_summary,
)
from province.loyalty.tasks import start_auto_redemption_and_queue
from shared.errors import Conflict
from shared.exports import csv_download
from shared.forms import apply_service

HISTORY_SHOWN = 200
SEARCH_SHOWN = 20
RUNS_SHOWN = 20


def _styled(filterset):
    """Bootstrap classes on a filter form's widgets."""
    for field in filterset.form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs["class"] = css
        if isinstance(field, forms.DateField):
            field.widget.input_type = "date"
    return filterset


# --- catalogue (R2.4.4) ------------------------------------------------------------------


@login_required
@permission_required("loyalty.view_rewarditem", raise_exception=True)
def catalogue(request):
    """Catalogue items with kind, price, stock and eligibility."""
    filterset = _styled(RewardItemFilterSet(request.GET or None, queryset=RewardItem.objects.all()))
    items = list(filterset.qs.order_by("-is_active", "kind", "points_price", "id"))
    for item in items:
        item.level_labels = [CustomerLevel(level).label for level in item.eligible_levels]
    context = {
        "filter": filterset,
        "items": items,
        "can_edit": request.user.has_perm("loyalty.change_rewarditem"),
        "can_add": request.user.has_perm("loyalty.add_rewarditem"),
    }
    return render(request, "loyalty/redemption/catalogue.html", context)


@login_required
def reward_item_form(request, pk=None):
    """Create or edit a catalogue item; field errors from the service on the form."""
    item = get_object_or_404(RewardItem, pk=pk) if pk else None
    if not request.user.has_perm("loyalty.change_rewarditem" if pk else "loyalty.add_rewarditem"):
        raise PermissionDenied
    form = RewardItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.save_reward_item(item, actor=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("The catalogue item was saved."))
            return redirect("loyalty:catalogue")
    return render(request, "loyalty/redemption/item_form.html", {"form": form, "item": item})


@login_required
@require_POST
@permission_required("loyalty.change_rewarditem", raise_exception=True)
def reward_item_deactivate(request, pk):
    item = get_object_or_404(RewardItem, pk=pk)
    services.deactivate_reward_item(item, actor=request.user)
    messages.success(request, _("%(item)s was taken out of the catalogue.") % {"item": item.name})
    return redirect("loyalty:catalogue")


# --- counter and receipt (R6.5.1) --------------------------------------------------------


def _counter_customer(request) -> Customer | None:
    raw = request.GET.get("customer") or request.POST.get("customer") or ""
    if not raw.isdigit():
        return None
    return get_object_or_404(customer_list(request.user), pk=int(raw))


@login_required
@permission_required("loyalty.add_redemption", raise_exception=True)
def counter(request):
    """Find a customer, see their points and what they may redeem (with the reason when
    not), and redeem; success leads to the printable receipt."""
    query = request.GET.get("q", "").strip()
    found = search_customers(customer_list(request.user), query)[:SEARCH_SHOWN] if query else []
    customer = _counter_customer(request)
    form = RedeemForm(request.POST or None)
    if customer is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        redemption = apply_service(
            form,
            lambda: services.redeem(
                customer,
                data["item"],
                data["quantity"],
                actor=request.user,
                idempotency_key=data["idempotency_key"],
            ),
        )
        if redemption is not None:
            return redirect("loyalty:redemption-receipt", pk=redemption.pk)
        form = _fresh_key(form)
    context = {"query": query, "found": found, "customer": customer, "form": form}
    if customer is not None:
        context |= {
            "summary": points_summary(customer),
            "expiring": expiring_soon(customer),
            "catalogue": counter_catalogue(customer),
            "recent": customer_redemptions(customer)[:10],
        }
    return render(request, "loyalty/redemption/counter.html", context)


def _fresh_key(form: RedeemForm) -> RedeemForm:
    """After a refusal the user may correct and retry: that is a new attempt, a new key."""
    data = form.data.copy()
    data["idempotency_key"] = RedeemForm().initial["idempotency_key"]
    fresh = RedeemForm(data)
    fresh.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            fresh.add_error(field if field != "__all__" else None, error)
    return fresh


def _visible_redemption(request, pk) -> Redemption:
    queryset = Redemption.objects.visible_to(request.user).select_related(
        "customer", "item", "created_by", "cancelled_by"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
@permission_required("loyalty.view_redemption", raise_exception=True)
def receipt(request, pk):
    """The printable receipt: number, customer, item, quantity, points, balance after, staff,
    time and a signature line."""
    redemption = _visible_redemption(request, pk)
    return render(request, "loyalty/redemption/receipt.html", {"redemption": redemption})


@login_required
@permission_required("loyalty.view_redemption", raise_exception=True)
def redemption_detail(request, pk):
    """One redemption, with the cancel form for users who may cancel."""
    redemption = _visible_redemption(request, pk)
    context = {
        "redemption": redemption,
        "form": CancelRedemptionForm(),
        "can_cancel": request.user.has_perm("loyalty.cancel_redemption"),
    }
    return render(request, "loyalty/redemption/detail.html", context)


@login_required
@require_POST
@permission_required("loyalty.cancel_redemption", raise_exception=True)
def redemption_cancel(request, pk):
    redemption = _visible_redemption(request, pk)
    form = CancelRedemptionForm(request.POST)
    if form.is_valid():
        cancelled = apply_service(
            form,
            lambda: services.cancel_redemption(
                redemption, actor=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        if cancelled is not None:
            messages.success(request, _("The redemption was cancelled; the points are back."))
            return redirect("loyalty:redemption", pk=redemption.pk)
    context = {"redemption": redemption, "form": form, "can_cancel": True}
    return render(request, "loyalty/redemption/detail.html", context, status=400)


# --- history and export (R6.5.2) ---------------------------------------------------------


def _history(request):
    queryset = Redemption.objects.visible_to(request.user).select_related(
        "customer", "item", "created_by"
    )
    return _styled(RedemptionFilterSet(request.GET or None, queryset=queryset))


@login_required
@permission_required("loyalty.view_redemption", raise_exception=True)
def history(request):
    filterset = _history(request)
    rows = filterset.qs.order_by("-redeemed_at", "-id")[:HISTORY_SHOWN]
    context = {"filter": filterset, "rows": rows, "query": request.GET.urlencode()}
    return render(request, "loyalty/redemption/history.html", context)


@login_required
@permission_required("loyalty.view_redemption", raise_exception=True)
def history_export(request):
    """The filtered history as CSV (UTF-8 with BOM, for Excel)."""
    header = [
        _("Redemption number"),
        _("Redeemed at"),
        _("Customer number"),
        _("Customer"),
        _("Item"),
        _("Kind"),
        _("Quantity"),
        _("Points"),
        _("Cost (yuan)"),
        _("Bill credit (yuan)"),
        _("Channel"),
        _("Status"),
        _("Staff"),
    ]
    rows = (
        [
            r.number,
            timezone.localtime(r.redeemed_at).strftime("%Y-%m-%d %H:%M"),
            r.customer.number,
            r.customer.name,
            r.item.name,
            r.item.get_kind_display(),
            r.quantity,
            r.points,
            r.cost,
            r.bill_credit,
            r.get_channel_display(),
            r.get_status_display(),
            r.created_by.username if r.created_by else "",
        ]
        for r in _history(request).qs.order_by("-redeemed_at", "-id").iterator(chunk_size=2000)
    )
    stamp = timezone.localdate().isoformat()
    return csv_download(f"redemptions-{stamp}.csv", [header, *rows])


# --- automatic redemption (R2.4.8) -------------------------------------------------------


def _auto_page(request, form, status=200):
    context = {
        "rules": AutoRedemptionRule.objects.select_related("item"),
        "runs": AutoRedemptionRun.objects.select_related("started_by")[:RUNS_SHOWN],
        "form": form,
        "can_edit": request.user.has_perm("loyalty.change_autoredemptionrule"),
        "can_run": request.user.has_perm("loyalty.add_autoredemptionrun"),
    }
    return render(request, "loyalty/redemption/auto.html", context, status=status)


@login_required
@permission_required("loyalty.view_autoredemptionrule", raise_exception=True)
def auto_rules(request):
    """The rules, the form adding one, and the recent runs."""
    if request.method == "POST":
        if not request.user.has_perm("loyalty.add_autoredemptionrule"):
            raise PermissionDenied
        form = AutoRedemptionRuleForm(request.POST)
        if form.is_valid():
            saved = apply_service(
                form,
                lambda: services.save_auto_redemption_rule(actor=request.user, **form.cleaned_data),
            )
            if saved is not None:
                messages.success(request, _("The rule was saved."))
                return redirect("loyalty:auto-rules")
        return _auto_page(request, form, status=400)
    return _auto_page(request, AutoRedemptionRuleForm())


@login_required
@permission_required("loyalty.change_autoredemptionrule", raise_exception=True)
def auto_rule_edit(request, pk):
    rule = get_object_or_404(AutoRedemptionRule, pk=pk)
    form = AutoRedemptionRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: services.save_auto_redemption_rule(
                rule, actor=request.user, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, _("The rule was saved."))
            return redirect("loyalty:auto-rules")
    return render(request, "loyalty/redemption/auto_rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
@permission_required("loyalty.add_autoredemptionrun", raise_exception=True)
def auto_run_start(request):
    """Run today's automatic redemption now, in a worker."""
    try:
        with transaction.atomic():
            start_auto_redemption_and_queue(actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The automatic redemption has started."))
    return redirect("loyalty:auto-rules")
