"""Pages of customer levels and membership cards (R2.2): standard editor, re-grading runs
with a live progress bar, proposals with (bulk) approve/reject, a customer's cards and level
history, and the annual review with its export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from province.customers.models import Customer
from province.levels import services
from province.levels.choices import ProposalStatus, RunStatus
from province.levels.filters import LevelProposalFilterSet
from province.levels.forms import LevelStandardForm, OverrideForm, ReasonForm, StartRunForm
from province.levels.models import LevelProposal, LevelStandard, MembershipCard, RegradingRun
from province.levels.selectors import annual_review, customer_cards, level_history
from province.levels.tasks import start_and_queue
from shared.errors import Conflict
from shared.exports import csv_download

PAGE_SIZE = 100
REVIEW_PAGE_ROWS = 500


def _report(request, exc) -> None:
    """A service's refusal as a message on the next page."""
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc.message))


# --- standards ---------------------------------------------------------------------------


@login_required
@permission_required("levels.view_levelstandard", raise_exception=True)
def standard_list(request):
    standards = LevelStandard.objects.visible_to(request.user).prefetch_related("rules")
    return render(request, "levels/standard_list.html", {"standards": standards})


@login_required
def standard_form(request, pk=None):
    standard = get_object_or_404(LevelStandard, pk=pk) if pk else None
    if not request.user.has_perm(
        "levels.change_levelstandard" if pk else "levels.add_levelstandard"
    ):
        raise PermissionDenied
    source = request.GET.get("from", "")
    copy_from = (
        LevelStandard.objects.filter(pk=int(source)).first()
        if not pk and source.isdigit()
        else None
    )
    form = LevelStandardForm(request.POST or None, instance=standard, copy_from=copy_from)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_standard(
                standard, actor=request.user, rules=form.rules(), **form.standard_fields()
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except Conflict as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Saved %(standard)s.") % {"standard": saved})
            return redirect("levels:standards")
    return render(request, "levels/standard_form.html", {"form": form, "standard": standard})


@login_required
@require_POST
@permission_required("levels.change_levelstandard", raise_exception=True)
def standard_activate(request, pk):
    standard = get_object_or_404(LevelStandard, pk=pk)
    try:
        services.activate_standard(standard, actor=request.user)
        messages.success(request, _("%(standard)s is now active.") % {"standard": standard})
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    return redirect("levels:standards")


# --- runs --------------------------------------------------------------------------------


@login_required
@permission_required("levels.view_regradingrun", raise_exception=True)
def run_list(request):
    runs = RegradingRun.objects.visible_to(request.user).select_related("standard", "started_by")
    context = {"runs": runs[:50], "form": StartRunForm()}
    return render(request, "levels/run_list.html", context)


@login_required
@require_POST
@permission_required("levels.add_regradingrun", raise_exception=True)
def run_start(request):
    form = StartRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("levels:runs")
    try:
        with transaction.atomic():
            run = start_and_queue(actor=request.user, as_of=form.cleaned_data["as_of"])
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
        return redirect("levels:runs")
    return redirect("levels:run", pk=run.pk)


@login_required
@permission_required("levels.view_regradingrun", raise_exception=True)
def run_detail(request, pk):
    run = get_object_or_404(RegradingRun.objects.visible_to(request.user), pk=pk)
    template = (
        "levels/_run_progress.html" if request.headers.get("HX-Request") else "levels/run.html"
    )
    return render(request, template, {"run": run, "running": run.status == RunStatus.RUNNING})


# --- proposals ---------------------------------------------------------------------------


@login_required
@permission_required("levels.view_levelproposal", raise_exception=True)
def proposal_list(request):
    data = request.GET.copy()
    data.setdefault("status", ProposalStatus.PENDING)
    queryset = LevelProposal.objects.visible_to(request.user).select_related(
        "customer", "decided_by"
    )
    filterset = LevelProposalFilterSet(data, queryset=queryset)
    after = request.GET.get("after")
    rows = filterset.qs
    if after and after.isdigit():
        rows = rows.filter(pk__lt=int(after))
    rows = list(rows.order_by("-pk")[: PAGE_SIZE + 1])
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    query = data.copy()
    query.pop("after", None)
    context = {
        "filter": filterset,
        "rows": rows[:PAGE_SIZE],
        "next_after": next_after,
        "query": query.urlencode(),
        "can_decide": request.user.has_perm("levels.decide_levelproposal"),
        "reason_form": ReasonForm(),
    }
    return render(request, "levels/proposal_list.html", context)


@login_required
@require_POST
@permission_required("levels.decide_levelproposal", raise_exception=True)
def proposal_decide(request):
    ids = [int(i) for i in request.POST.getlist("proposals") if i.isdigit()]
    approve = request.POST.get("decision") == "approve"
    try:
        decided = services.decide_proposals(
            ids, actor=request.user, approve=approve, reason=request.POST.get("reason", "")
        )
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    else:
        message = (
            _("%(count)d proposals approved.") if approve else _("%(count)d proposals rejected.")
        )
        messages.success(request, message % {"count": len(decided)})
    return redirect(request.POST.get("next") or "levels:proposals")


# --- one customer: cards and level history -----------------------------------------------


def _visible_customer(request, pk) -> Customer:
    if not request.user.has_perm("customers.view_customer"):
        raise PermissionDenied
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


@login_required
def customer_levels(request, pk):
    customer = _visible_customer(request, pk)
    context = {
        "customer": customer,
        "cards": customer_cards(customer)
        if request.user.has_perm("levels.view_membershipcard")
        else None,
        "history": level_history(customer)
        if request.user.has_perm("levels.view_levelchange")
        else None,
        "override_form": OverrideForm(initial={"level": customer.level}),
        "can_override": request.user.has_perm("levels.override_level"),
        "can_apply": request.user.has_perm("levels.add_membershipcard"),
        "can_change_cards": request.user.has_perm("levels.change_membershipcard"),
    }
    return render(request, "levels/customer.html", context)


@login_required
@require_POST
@permission_required("levels.override_level", raise_exception=True)
def customer_override(request, pk):
    customer = _visible_customer(request, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            services.override_level(
                customer,
                form.cleaned_data["level"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Level changed."))
        except (ValidationError, Conflict) as exc:
            _report(request, exc)
    return redirect("levels:customer", pk=customer.pk)


@login_required
@require_POST
@permission_required("levels.add_membershipcard", raise_exception=True)
def card_apply(request, pk):
    customer = _visible_customer(request, pk)
    try:
        services.apply_card(customer, actor=request.user)
        messages.success(request, _("Card application recorded."))
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    return redirect("levels:customer", pk=customer.pk)


@login_required
@require_POST
@permission_required("levels.change_membershipcard", raise_exception=True)
def card_transition(request, pk, transition):
    card = get_object_or_404(MembershipCard.objects.visible_to(request.user), pk=pk)
    change = services.CARD_TRANSITIONS.get(transition.replace("-", "_"))
    if change is None:
        raise PermissionDenied
    try:
        change(card, actor=request.user)
        messages.success(request, _("Card updated."))
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    return redirect("levels:customer", pk=card.customer_id)


# --- annual review -----------------------------------------------------------------------


REVIEW_COLUMNS = (
    ("number", gettext_lazy("Customer number")),
    ("name", gettext_lazy("Name")),
    ("current_level_label", gettext_lazy("Current level")),
    ("qualifying_level_label", gettext_lazy("Qualifying level")),
    ("avg_monthly_paid", gettext_lazy("Average monthly paid revenue")),
    ("tenure_months", gettext_lazy("Tenure (months)")),
    ("active_products", gettext_lazy("Active products")),
    ("card_number", gettext_lazy("Card number")),
    ("level_since", gettext_lazy("Level since")),
)


@login_required
@permission_required("levels.review_members", raise_exception=True)
def review(request):
    if request.GET.get("format") == "csv":
        return _review_csv(annual_review(request.user))
    rows = annual_review(request.user, limit=REVIEW_PAGE_ROWS + 1)
    context = {
        "rows": rows[:REVIEW_PAGE_ROWS],
        "more": len(rows) > REVIEW_PAGE_ROWS,
        "reason_form": ReasonForm(),
    }
    return render(request, "levels/review.html", context)


def _review_csv(rows) -> HttpResponse:
    def cells(row):
        for attr, _label in REVIEW_COLUMNS:
            value = getattr(row, attr)
            if attr == "level_since" and value is not None:
                value = timezone.localtime(value).strftime("%Y-%m-%d")
            yield "" if value is None else value

    stamp = timezone.localdate().strftime("%Y%m%d")
    header = [str(label) for _attr, label in REVIEW_COLUMNS]
    return csv_download(f"annual-review-{stamp}.csv", [header, *(cells(r) for r in rows)])


@login_required
@require_POST
@permission_required("levels.review_members", raise_exception=True)
def review_apply(request):
    if not request.user.has_perm("levels.override_level"):
        raise PermissionDenied
    ids = [int(i) for i in request.POST.getlist("customers") if i.isdigit()]
    try:
        changes = services.apply_annual_review(
            ids, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(
            request,
            _("%(count)d customers moved to their qualifying level.") % {"count": len(changes)},
        )
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    return redirect("levels:review")
