"""Pages of customer credit (R2.3.1, R2.3.2): a customer's credit, the approvers' inbox of
change requests, the arrears warnings list with its export, and the policy editor."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.credit import services
from province.credit.choices import ChangeRequestStatus, GrantStatus, WarningAction
from province.credit.filters import ArrearsWarningFilterSet
from province.credit.forms import (
    ChangeRequestForm,
    DecisionForm,
    GradeRuleFormSet,
    ReconnectionForm,
    TemporaryCreditForm,
)
from province.credit.models import CreditChangeRequest, CreditGradeRule
from province.credit.selectors import (
    active_policy,
    arrears_warnings,
    credit_history,
    latest_assessment,
    with_effective_limit,
)
from province.customers.models import Customer
from province.org.models import OrgUnit, Staff
from shared.errors import Conflict
from shared.exports import csv_download
from shared.forms import apply_service

WARNINGS_ON_PAGE = 500


@login_required
@permission_required("credit.view_creditassessment", raise_exception=True)
def customer_credit(request, pk):
    visible = Customer.objects.visible_to(request.user).filter(merged_into__isnull=True)
    customer = get_object_or_404(with_effective_limit(visible), pk=pk)
    user = request.user
    forms = {
        "request": ChangeRequestForm(prefix="request"),
        "temporary": TemporaryCreditForm(prefix="temporary"),
        "reconnection": ReconnectionForm(prefix="reconnection"),
    }
    allowed = {
        "request": user.has_perm("credit.add_creditchangerequest"),
        "temporary": user.has_perm("credit.add_temporarycredit"),
        "reconnection": user.has_perm("credit.add_emergencyreconnection"),
    }
    if request.method == "POST":
        which = request.POST.get("form")
        if which not in forms:
            return redirect("credit:customer", pk=pk)
        if not allowed[which]:
            raise PermissionDenied
        form_class = type(forms[which])
        form = forms[which] = form_class(request.POST, prefix=which)
        if form.is_valid():
            data = form.cleaned_data
            calls = {
                "request": lambda: services.request_credit_change(customer, actor=user, **data),
                "temporary": lambda: services.grant_temporary_credit(customer, actor=user, **data),
                "reconnection": lambda: services.grant_emergency_reconnection(
                    customer, actor=user, **data
                ),
            }
            if apply_service(form, calls[which]) is not None:
                done = {
                    "request": _("The credit change was sent for approval."),
                    "temporary": _("Temporary credit granted."),
                    "reconnection": _("Emergency reconnection granted."),
                }
                messages.success(request, done[which])
                return redirect("credit:customer", pk=pk)
    context = {
        "customer": customer,
        "assessment": latest_assessment(customer),
        "history": credit_history(customer)[:100],
        "requests": customer.credit_change_requests.select_related("requested_by", "decided_by")[
            :20
        ],
        "temporary_credits": customer.temporary_credits.filter(status=GrantStatus.ACTIVE),
        "reconnections": customer.emergency_reconnections.filter(status=GrantStatus.ACTIVE),
        "forms": forms,
        "allowed": allowed,
        "relief_allowed": customer.level in services.RELIEF_LEVELS,
        "has_pending": customer.credit_change_requests.filter(
            status=ChangeRequestStatus.PENDING
        ).exists(),
    }
    return render(request, "credit/customer.html", context)


@login_required
@permission_required("credit.view_creditchangerequest", raise_exception=True)
def request_inbox(request):
    visible = CreditChangeRequest.objects.visible_to(request.user).select_related(
        "customer", "requested_by", "decided_by"
    )
    status = request.GET.get("status") or ChangeRequestStatus.PENDING
    if status not in ChangeRequestStatus.values:
        status = ChangeRequestStatus.PENDING
    rows = list(visible.filter(status=status).order_by("-id")[:200])
    context = {
        "rows": rows,
        "status": status,
        "statuses": ChangeRequestStatus.choices,
        "can_decide": request.user.has_perm(services.APPROVE_PERMISSION),
        "form": DecisionForm(),
    }
    return render(request, "credit/requests.html", context)


@login_required
@require_POST
@permission_required(services.APPROVE_PERMISSION, raise_exception=True)
def decide_request(request, pk):
    change_request = get_object_or_404(CreditChangeRequest.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("credit:requests")
    decide = {
        "approve": services.approve_change_request,
        "reject": services.reject_change_request,
    }[form.cleaned_data["decision"]]
    try:
        decide(change_request, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        done = (
            _("Approved the credit change of %(customer)s.")
            if form.cleaned_data["decision"] == "approve"
            else _("Rejected the credit change of %(customer)s.")
        )
        messages.success(request, done % {"customer": change_request.customer})
    return redirect("credit:requests")


def _warnings(request):
    filterset = ArrearsWarningFilterSet(
        request.GET or None,
        queryset=arrears_warnings(
            Customer.objects.visible_to(request.user), today=timezone.localdate()
        ),
    )
    filterset.form.fields["account_manager"].queryset = Staff.objects.visible_to(request.user)
    filterset.form.fields["under"].queryset = OrgUnit.objects.visible_to(request.user)
    return filterset


@login_required
@permission_required("credit.view_arrears_warnings", raise_exception=True)
def warnings_list(request):
    filterset = _warnings(request)
    rows = list(filterset.qs.order_by("-ratio", "-arrears", "-id")[:WARNINGS_ON_PAGE])
    labels = dict(WarningAction.choices)
    for row in rows:
        row.action_label = labels.get(row.action, row.action)
    query = request.GET.urlencode()
    return render(
        request,
        "credit/warnings.html",
        {"filter": filterset, "rows": rows, "query": query, "limit": WARNINGS_ON_PAGE},
    )


def _export_rows(queryset):
    yield [
        _("Customer number"),
        _("Customer"),
        _("Account manager"),
        _("Level"),
        _("Credit grade"),
        _("Arrears"),
        _("Credit limit"),
        _("Effective limit"),
        _("Arrears / limit"),
        _("Oldest overdue (days)"),
        _("Grace days"),
        _("Deposit required"),
        _("Suggested action"),
    ]
    labels = {value: str(label) for value, label in WarningAction.choices}
    for row in queryset.order_by("-ratio", "-arrears", "-id").iterator(chunk_size=2000):
        yield [
            row.number,
            row.name,
            row.account_manager.name if row.account_manager else "",
            row.get_level_display(),
            row.credit_grade,
            row.arrears,
            row.credit_limit,
            row.effective_limit,
            round(row.ratio, 4) if row.ratio is not None else "",
            row.overdue_days,
            row.grace_days,
            _("Yes") if row.deposit_required else _("No"),
            labels.get(row.action, row.action),
        ]


@login_required
@permission_required("credit.view_arrears_warnings", raise_exception=True)
def warnings_export(request):
    """The filtered warnings as Excel (openpyxl) or, without it or on request, CSV."""
    rows = _export_rows(_warnings(request).qs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    wanted = request.GET.get("format", "xlsx")
    try:
        import openpyxl
    except ImportError:  # CSV is the fallback the brief asks for when openpyxl is missing
        openpyxl = None
    if wanted == "xlsx" and openpyxl is not None:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Arrears warnings")[:31])
        for row in rows:
            sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="arrears-warnings-{stamp}.xlsx"'
        return response
    return csv_download(f"arrears-warnings-{stamp}.csv", rows)


@login_required
@permission_required("credit.view_creditpolicy", raise_exception=True)
def policy_editor(request):
    policy = active_policy()
    can_edit = request.user.has_perm("credit.change_creditpolicy")
    rules = (
        CreditGradeRule.objects.filter(policy=policy) if policy else CreditGradeRule.objects.none()
    )
    formset = GradeRuleFormSet(request.POST or None, queryset=rules)
    error = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if policy is not None and formset.is_valid():
            data = [form.cleaned_data for form in formset.forms]
            try:
                services.save_policy(
                    policy,
                    actor=request.user,
                    description=request.POST.get("description", policy.description),
                    rules=[{k: v for k, v in d.items() if k != "id"} for d in data],
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except Conflict as exc:
                error = str(exc.message)
            else:
                messages.success(request, _("The credit policy was saved."))
                return redirect("credit:policy")
    return render(
        request,
        "credit/policy.html",
        {"policy": policy, "formset": formset, "can_edit": can_edit, "error": error},
    )
