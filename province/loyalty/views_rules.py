"""Pages for the points standards and their runs (R2.4.2, R2.4.3, R2.4.5): the earning rule
editor, validity policies, the loyalty settings, expiry runs with live progress, expiry
notices for account managers, and the extension of a lot from the customer's points page.
Views parse input and call services (``standards``, ``notices``, ``services``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.loyalty import notices, services, standards
from province.loyalty.choices import RuleKind
from province.loyalty.forms import (
    EarningRuleForm,
    EndRuleForm,
    LotExtensionForm,
    LoyaltySettingsForm,
    ValidityPolicyForm,
)
from province.loyalty.models import (
    EarningRule,
    ExpiryNotice,
    LoyaltySettings,
    PointsLot,
    ValidityPolicy,
)
from province.loyalty.views import _report, _visible_customer
from shared.errors import Conflict
from shared.exports import csv_download
from shared.forms import apply_service

NOTICES_SHOWN = 500


# --- earning rules (R2.4.2) --------------------------------------------------------------


@login_required
@permission_required("loyalty.view_earningrule", raise_exception=True)
def rule_list(request):
    """Every earning rule, with whether it is in force today."""
    kind = request.GET.get("kind", "")
    rules = EarningRule.objects.select_related("product")
    if kind in RuleKind.values:
        rules = rules.filter(kind=kind)
    today = timezone.localdate()
    rows = [
        {
            "rule": rule,
            "in_force": rule.is_active
            and rule.valid_from <= today
            and (rule.valid_to is None or rule.valid_to >= today),
        }
        for rule in rules
    ]
    context = {"rows": rows, "kind": kind, "kinds": RuleKind.choices, "end_form": EndRuleForm()}
    return render(request, "loyalty/rules/rules.html", context)


def _rule_form(request, rule, form):
    return render(request, "loyalty/rules/rule_form.html", {"rule": rule, "form": form})


@login_required
@permission_required("loyalty.add_earningrule", raise_exception=True)
def rule_create(request):
    form = EarningRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = apply_service(
            form, lambda: standards.save_earning_rule(form.instance, actor=request.user)
        )
        if rule is not None:
            messages.success(request, _("The earning rule was saved."))
            return redirect("loyalty:rules")
    return _rule_form(request, None, form)


@login_required
@permission_required("loyalty.change_earningrule", raise_exception=True)
def rule_edit(request, pk):
    rule = get_object_or_404(EarningRule, pk=pk)
    form = EarningRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: standards.save_earning_rule(form.instance, actor=request.user)
        )
        if saved is not None:
            messages.success(request, _("The earning rule was saved."))
            return redirect("loyalty:rules")
    return _rule_form(request, rule, form)


@login_required
@require_POST
@permission_required("loyalty.change_earningrule", raise_exception=True)
def rule_end(request, pk):
    """End a rule (a rule that never earned points is deleted instead)."""
    rule = get_object_or_404(EarningRule, pk=pk)
    form = EndRuleForm(request.POST)
    on = form.cleaned_data.get("on") if form.is_valid() else None
    try:
        ended = standards.end_earning_rule(rule, actor=request.user, on=on)
    except (Conflict, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("The rule was deleted: it had not earned any points.")
            if ended is None
            else _("The rule ends on %(day)s.") % {"day": ended.valid_to.isoformat()},
        )
    return redirect("loyalty:rules")


# --- validity (R2.4.3) -------------------------------------------------------------------


def _validity(request, form):
    policies = ValidityPolicy.objects.all()
    active = next((p for p in policies if p.is_active), None)
    context = {
        "policies": policies,
        "active": active,
        "meaning": standards.policy_meaning(active),
        "form": form,
    }
    return render(request, "loyalty/rules/validity.html", context)


@login_required
@permission_required("loyalty.view_validitypolicy", raise_exception=True)
def validity(request):
    """Validity policies: the active one and what it means; create and activate (R2.4.3)."""
    return _validity(request, ValidityPolicyForm())


@login_required
@require_POST
@permission_required("loyalty.add_validitypolicy", raise_exception=True)
def validity_create(request):
    form = ValidityPolicyForm(request.POST)
    if form.is_valid():
        policy = apply_service(
            form,
            lambda: standards.create_validity_policy(
                form.cleaned_data["name"], form.cleaned_data["years_after"], actor=request.user
            ),
        )
        if policy is not None:
            messages.success(request, _("The validity policy was created; activate it to use it."))
            return redirect("loyalty:validity")
    return _validity(request, form)


@login_required
@require_POST
@permission_required("loyalty.change_validitypolicy", raise_exception=True)
def validity_activate(request, pk):
    policy = get_object_or_404(ValidityPolicy, pk=pk)
    standards.activate_validity_policy(policy, actor=request.user)
    messages.success(request, _("The validity policy is now active for points earned from now."))
    return redirect("loyalty:validity")


# --- settings ----------------------------------------------------------------------------


@login_required
@permission_required("loyalty.view_loyaltysettings", raise_exception=True)
def settings_edit(request):
    """The province's loyalty settings (R2.4.5, R2.4.7, R2.4.9); changes are audited."""
    current = LoyaltySettings.load()
    form = LoyaltySettingsForm(request.POST or None, instance=current)
    can_change = request.user.has_perm("loyalty.change_loyaltysettings")
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            saved = apply_service(
                form, lambda: standards.update_loyalty_settings(form.instance, actor=request.user)
            )
            if saved is not None:
                messages.success(request, _("The loyalty settings were saved."))
                return redirect("loyalty:settings")
    history = current.history.select_related("history_user").order_by("-history_id")[:20]
    context = {"form": form, "can_change": can_change, "history": history}
    return render(request, "loyalty/rules/settings.html", context)


# --- expiry notices (R2.4.5) -------------------------------------------------------------


def _notices(request):
    """Visible notices; unread ones addressed to me by default (``?all=1`` for every one)."""
    rows = ExpiryNotice.objects.visible_to(request.user).select_related(
        "customer", "account_manager"
    )
    show_all = request.GET.get("all") == "1"
    if not show_all:
        staff = getattr(request.user, "staff", None)
        rows = rows.filter(read_at__isnull=True)
        if staff is not None:
            rows = rows.filter(account_manager=staff)
    return rows.order_by("expires_at", "customer_id", "id"), show_all


@login_required
@permission_required("loyalty.view_expirynotice", raise_exception=True)
def notice_list(request):
    rows, show_all = _notices(request)
    staff = getattr(request.user, "staff", None)
    context = {
        "rows": rows[:NOTICES_SHOWN],
        "show_all": show_all,
        "staff_id": staff.pk if staff is not None else None,
    }
    return render(request, "loyalty/rules/notices.html", context)


@login_required
@permission_required("loyalty.view_expirynotice", raise_exception=True)
def notice_export(request):
    rows, _show_all = _notices(request)
    header = [
        _("Customer number"),
        _("Customer"),
        _("Account manager"),
        _("Expires at"),
        _("Points"),
        _("Notified at"),
        _("Read at"),
    ]
    data = (
        [
            n.customer.number,
            n.customer.name,
            n.account_manager.name if n.account_manager else "",
            n.expires_at.isoformat(),
            n.points,
            timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(n.read_at).strftime("%Y-%m-%d %H:%M") if n.read_at else "",
        ]
        for n in rows.iterator()
    )
    return csv_download(f"expiry-notices-{timezone.localdate().isoformat()}.csv", [header, *data])


@login_required
@require_POST
@permission_required("loyalty.change_expirynotice", raise_exception=True)
def notice_read(request, pk):
    notice = get_object_or_404(ExpiryNotice.objects.visible_to(request.user), pk=pk)
    notices.mark_notice_read(notice, actor=request.user)
    return redirect("loyalty:notices")


# --- lot extension (R2.4.3) --------------------------------------------------------------


@login_required
@require_POST
@permission_required("loyalty.extend_pointslot", raise_exception=True)
def lot_extend(request, pk):
    """Move one open lot's expiry later, with a reason; back to the customer's points."""
    lot = get_object_or_404(PointsLot.objects.visible_to(request.user), pk=pk)
    customer = _visible_customer(request, lot.customer_id)
    form = LotExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            services.extend_lot(
                lot,
                form.cleaned_data["expires_at"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except (Conflict, ValidationError) as exc:
            _report(request, exc)
        else:
            messages.success(
                request,
                _("The points now expire on %(day)s.") % {"day": lot.expires_at.isoformat()},
            )
    return redirect("loyalty:customer", pk=customer.pk)
