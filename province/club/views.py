"""Province club pages (R11.1): members, eligible customers with enrolment, a member's
allowances and usage, activities, and the visiting-member desk that finds a member of any
province through HQ's directory and sends the usage to the home province.

Every list is limited to what the user may see (``visible_to``); writes go through
``province.club.services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from province.club import selectors, services
from province.club.choices import LIVE_STATUSES, MembershipStatus
from province.club.forms import ActivityForm, LookupForm, UsageForm
from province.club.models import ClubActivity, VisitingUsage
from province.customers.models import Customer
from shared.errors import Conflict
from shared.forms import apply_service
from shared.vocab.club import LevelDropPolicy
from sync import directory

SHOWN = 200


@login_required
@permission_required("club.view_clubmembership", raise_exception=True)
def members(request):
    status = request.GET.get("status", "")
    rows = selectors.memberships(request.user)
    if status in MembershipStatus.values:
        rows = rows.filter(status=status)
    rules = selectors.current_rules()
    context = {
        "members": rows.order_by("-id")[:SHOWN],
        "status": status,
        "statuses": MembershipStatus.choices,
        "rules": rules,
        "level_drop": LevelDropPolicy(rules.level_drop).label if rules else "",
        "shown": SHOWN,
    }
    return render(request, "club/members.html", context)


@login_required
@permission_required("club.add_clubmembership", raise_exception=True)
def eligible(request):
    """Customers the rules admit (among those the user sees); POST enrols the ticked ones."""
    rules = selectors.current_rules()
    visible = Customer.objects.visible_to(request.user)
    errors = []
    if request.method == "POST" and rules is not None:
        ids = [int(x) for x in request.POST.getlist("customer") if x.isdigit()]
        chosen = list(visible.filter(pk__in=ids))
        form = LookupForm()  # a bare form to collect the service's errors
        made = apply_service(form, lambda: services.enrol(chosen, actor=request.user))
        if made is not None:
            messages.success(
                request, _("%(count)s customers joined the club.") % {"count": len(made)}
            )
            return redirect("club:members")
        errors = [str(e) for values in form.errors.values() for e in values]
    candidates = (
        selectors.eligible_customers(rules, visible).order_by("-id")[:SHOWN] if rules else []
    )
    for customer in candidates:
        tier = rules.tier_for_level(customer.level)
        customer.club_tier = selectors.tier_name(tier) if tier else ""
    context = {"rules": rules, "candidates": candidates, "errors": errors, "shown": SHOWN}
    return render(request, "club/eligible.html", context)


@login_required
@permission_required("club.view_clubmembership", raise_exception=True)
def member(request, pk):
    membership = get_object_or_404(selectors.memberships(request.user), pk=pk)
    rules = selectors.current_rules()
    form = UsageForm(
        request.POST or None,
        rules=rules,
        tier=membership.tier,
        initial={"used_on": timezone.localdate()},
    )
    if request.method == "POST":
        if not request.user.has_perm("club.add_benefitusage"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            saved = apply_service(
                form,
                lambda: services.record_usage(
                    membership,
                    data["benefit"],
                    data["quantity"],
                    actor=request.user,
                    used_on=data["used_on"],
                ),
            )
            if saved is not None:
                messages.success(request, _("The benefit usage was recorded."))
                return redirect("club:member", pk=membership.pk)
    context = {
        "membership": membership,
        "tier": rules.tier(membership.tier) if rules else None,
        "allowances": selectors.allowances(membership, rules, timezone.localdate().year),
        "usages": membership.usages.order_by("-used_on", "-id")[:50],
        "form": form,
        "can_change": request.user.has_perm("club.change_clubmembership"),
    }
    return render(request, "club/member.html", context)


@login_required
@require_POST
@permission_required("club.change_clubmembership", raise_exception=True)
def member_status(request, pk, action):
    membership = get_object_or_404(selectors.memberships(request.user), pk=pk)
    if action not in services.TRANSITIONS:
        return redirect("club:member", pk=pk)
    try:
        services.change_status(membership, action, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The membership was updated."))
    return redirect("club:member", pk=pk)


@login_required
@permission_required("club.view_clubactivity", raise_exception=True)
def activities(request):
    live = selectors.memberships(request.user).filter(status__in=LIVE_STATUSES)
    form = ActivityForm(request.POST or None, members=live)
    if request.method == "POST":
        if not request.user.has_perm("club.add_clubactivity"):
            raise PermissionDenied
        if form.is_valid():
            saved = apply_service(
                form, lambda: services.record_activity(actor=request.user, **form.cleaned_data)
            )
            if saved is not None:
                messages.success(request, _("The activity was recorded."))
                return redirect("club:activities")
    rows = ClubActivity.objects.visible_to(request.user).prefetch_related("attendees")[:SHOWN]
    visible_ids = set(live.values_list("pk", flat=True))
    for activity in rows:
        activity.shown_attendees = [a for a in activity.attendees.all() if a.pk in visible_ids]
    context = {
        "activities": rows,
        "form": form,
        "can_add": request.user.has_perm("club.add_clubactivity"),
    }
    return render(request, "club/activities.html", context)


def _lookup(raw: str):
    raw = (raw or "").strip().replace(" ", "")
    if len(raw) == 11 and raw.startswith("1"):
        return directory.find_member(phone=raw)
    return directory.find_member(card_number=raw)


@login_required
@permission_required("club.view_visitingusage", raise_exception=True)
def visiting(request):
    """Find a member of any province (card or mobile) in HQ's directory, show home
    province, tier and benefits, and send a usage to the home province (R11.1, R6.5.3)."""
    rules = selectors.current_rules()
    lookup = LookupForm(request.GET or None)
    entry = _lookup(request.GET.get("q")) if lookup.is_valid() else None
    tier = rules.tier(entry.tier) if (entry and rules) else None
    form = UsageForm(
        request.POST or None,
        rules=rules,
        tier=entry.tier if entry else "",
        initial={"used_on": timezone.localdate()},
    )
    if request.method == "POST" and entry is not None:
        if not request.user.has_perm("club.add_visitingusage"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            saved = apply_service(
                form,
                lambda: services.request_visit_usage(
                    entry,
                    data["benefit"],
                    data["quantity"],
                    actor=request.user,
                    used_on=data["used_on"],
                ),
            )
            if saved is not None:
                messages.info(
                    request, _("Sent to the member's home province; the answer appears below.")
                )
                return redirect("club:visiting")
    context = {
        "lookup": lookup,
        "searched": lookup.is_valid(),
        "entry": entry,
        "home": directory.tenant_for(entry.home_province) if entry else None,
        "is_local": bool(entry and entry.home_province == request.tenant.schema_name),
        "tier": tier,
        "tier_name": selectors.tier_name(tier) if tier else "",
        "benefits": [
            (selectors.benefit_name(b), b) for b in (tier or {"benefits": []})["benefits"]
        ],
        "form": form,
        "visits": VisitingUsage.objects.visible_to(request.user).order_by("-id")[:50],
    }
    return render(request, "club/visiting.html", context)


@login_required
@permission_required("club.view_visitingusage", raise_exception=True)
def visiting_status(request):
    """The visiting usages table alone (htmx polls it until the answers arrive)."""
    rows = VisitingUsage.objects.visible_to(request.user).order_by("-id")[:50]
    return render(request, "club/_visits.html", {"visits": rows})
