"""The club's business operations in a province (R11.1, R6.5.3). One transaction each;
every change HQ must know leaves as a sync message in the same transaction:

- ``club.member`` (to HQ) on a desk's enrolment and every status change: the roster row,
  with the name and phone masked and the phone as a keyed hash for the national directory;
- ``club.roster`` (to HQ): many such rows in one message, for sets of members (a province
  enrolling its eligible customers, a full resync, customers whose name, phone or level
  changed: ``republish_members_of``);
- ``club.usage`` (to HQ) after a usage: the member's month total of that benefit;
- ``club.visit.request`` (to HQ, which forwards it to the home province) when a visiting
  member uses a benefit here; the home province answers ``club.visit.result`` the same way.

HQ's rules say what becomes of a member whose level no longer admits them (keep, suspend,
end) and whether the tier follows the level; ``apply_level_policy`` applies them when a
member's level changes and when a new version of the rules arrives (docs/club.md).
"""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

import sync
from province.club.choices import LIVE_STATUSES, MembershipStatus, StatusReason, VisitStatus
from province.club.models import (
    BenefitUsage,
    ClubActivity,
    ClubMembership,
    ClubRules,
    VisitingUsage,
)
from province.club.selectors import current_rules, eligible_customers, used_in_year
from province.customers.models import Customer
from shared.errors import Conflict
from shared.masking import mask_mobile, mask_name
from shared.vocab.club import LevelDropPolicy
from sync import directory

CARD_NUMBER_SEQUENCE = "club_card_number_seq"
HQ = directory.hq_schema()


# --- rules from HQ -------------------------------------------------------------------------


def apply_rules(payload: dict) -> ClubRules:
    """Store a published version of the club definition (topic ``club.rules``) and bring
    every membership in line with its level-drop and tier rules, in the same transaction
    (HQ changing its policy, or raising the minimum level, applies to current members too;
    each membership that changes leaves its roster row for HQ)."""
    rules, _created = ClubRules.objects.update_or_create(
        version=payload["version"],
        defaults={"content": payload, "published_at": payload["published_at"]},
    )
    publish_members(apply_level_policy())
    return rules


def _rules_or_conflict() -> ClubRules:
    rules = current_rules()
    if rules is None:
        raise Conflict(_("HQ has not published the club rules yet."), code="no_club_rules")
    return rules


# --- membership ----------------------------------------------------------------------------


def _next_card_number() -> str:
    """Province code + 8 digits from a per-province sequence: unique nationally because the
    province code is (e.g. 1100000001 in Beijing, 3100000001 in Shanghai)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [CARD_NUMBER_SEQUENCE])
        (value,) = cursor.fetchone()
    code = getattr(connection.tenant, "code", "") or "00"
    return f"{code}{value:08d}"


def _member_payload(card_number, tier, status, since, name, phone, level, *, home: str) -> dict:
    """The roster row of one member for HQ (no raw personal data): ``club.member``'s
    payload, and one of ``club.roster``'s rows."""
    return {
        "card_number": card_number,
        "home_province": home,
        "tier": tier,
        "status": status,
        "name_masked": mask_name(name) or "",
        "phone_masked": mask_mobile(phone) or "",
        "phone_key": directory.phone_key(phone),
        "level": level,
        "since": since.isoformat(),
    }


def publish_member(membership: ClubMembership) -> None:
    customer = membership.customer
    payload = _member_payload(
        membership.card_number,
        membership.tier,
        membership.status,
        membership.since,
        customer.name,
        customer.phone,
        customer.level,
        home=connection.schema_name,
    )
    sync.publish("club.member", membership.card_number, payload, to=HQ)


@transaction.atomic
def enrol(customers: list[Customer], *, actor) -> list[ClubMembership]:
    """Enrol customers in the club (all or none): each must be visible to ``actor`` and
    admitted by the rules in force; the tier follows the customer's level."""
    rules = _rules_or_conflict()
    ids = sorted({c.pk for c in customers})
    if not ids:
        raise ValidationError({"customers": _("Choose at least one customer.")})
    # Locked in id order so two desks enrolling overlapping lists cannot deadlock.
    locked = list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    visible = set(
        Customer.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
    )
    admitted = set(
        eligible_customers(rules, Customer.objects.filter(pk__in=visible)).values_list(
            "pk", flat=True
        )
    )
    refused = [c for c in locked if c.pk not in admitted]
    if refused or len(locked) != len(ids):
        names = ", ".join(c.number for c in refused) or "?"
        raise ValidationError(
            {"customers": _("Not eligible for the club: %(customers)s.") % {"customers": names}}
        )
    created = []
    for customer in locked:
        tier = rules.tier_for_level(customer.level)
        membership = ClubMembership(
            customer=customer,
            card_number=_next_card_number(),
            tier=tier["code"],
            rules_version=rules.version,
        )
        membership.stamp(actor)
        membership.save()
        publish_member(membership)
        created.append(membership)
    return created


@transaction.atomic
def enrol_eligible(*, actor=None, batch_size: int = 2000) -> list[ClubMembership]:
    """Enrol every customer the rules in force admit, set-based (R11.1): a province joining
    the club with its existing customers. ``enrol`` locks and checks one desk's list row by
    row; for a whole province (20,000+ customers) that is one round trip per customer, so
    here eligibility is the one ``eligible_customers`` query, card numbers come from the
    sequence in one statement and the memberships (with their history rows) are inserted in
    batches. Every new member still leaves its ``club.member`` message for HQ in this
    transaction. A customer enrolled concurrently by a desk makes the whole call fail with a
    409 (the one-live-membership constraint), nothing written: run it again."""
    rules = _rules_or_conflict()
    candidates = list(eligible_customers(rules).order_by("pk").values_list("pk", "level"))
    if not candidates:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [CARD_NUMBER_SEQUENCE, len(candidates)],
        )
        sequence = [value for (value,) in cursor.fetchall()]
    code = getattr(connection.tenant, "code", "") or "00"
    today = timezone.localdate()
    memberships = []
    for (customer_id, level), value in zip(candidates, sorted(sequence), strict=True):
        membership = ClubMembership(
            customer_id=customer_id,
            card_number=f"{code}{value:08d}",
            tier=rules.tier_for_level(level)["code"],
            rules_version=rules.version,
            since=today,
        )
        membership.stamp(actor)
        memberships.append(membership)
    try:
        with transaction.atomic():
            created = bulk_create_with_history(
                memberships, ClubMembership, batch_size=batch_size, default_user=actor
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Some of these customers were enrolled meanwhile: try again."),
            code="enrolled_meanwhile",
        ) from exc
    publish_members([m.card_number for m in created])
    return created


def member_keys() -> list[str]:
    """Every card number of the province, in a stable order (the ``club.member`` snapshot:
    a full resync re-publishes the whole roster, ended members included)."""
    return list(
        ClubMembership.objects.order_by("card_number").values_list("card_number", flat=True)
    )


def publish_members(card_numbers) -> int:
    """Publish the current roster rows of ``card_numbers`` to HQ (in the caller's
    transaction); HQ upserts them, so re-publishing is always safe. Returns how many."""
    return _publish_rows(ClubMembership.objects.filter(card_number__in=list(card_numbers)))


def republish_members_of(customer_ids: list[int]) -> int:
    """Customers' name, phone or level changed, or a merge moved their cards (R11.1): send
    HQ the roster row of each live (active or suspended) membership again, in the caller's
    transaction, so HQ's roster and member directory (masked phone, phone key, level) follow.
    Registered with ``province.customers.changes`` by ``ClubConfig.ready``.

    First HQ's rules in force are applied to those memberships (``apply_level_policy``: a
    level below the entry rules may suspend or end one, a level that qualifies again lifts
    such a suspension, the tier may follow the level); the rows sent show the outcome, a
    membership the policy ended included. An ended membership is otherwise left as it
    ended."""
    changed = apply_level_policy(customer_ids)
    return _publish_rows(
        ClubMembership.objects.filter(
            Q(customer_id__in=customer_ids, status__in=LIVE_STATUSES) | Q(card_number__in=changed)
        )
    )


def _publish_rows(queryset) -> int:
    """Publish the roster rows of ``queryset``'s memberships as ``club.roster`` messages of
    up to ``SYNC_BULK_MESSAGE_ROWS`` rows each, with one outbox insert. Returns the rows."""
    memberships = list(
        queryset.order_by("card_number").values_list(
            "card_number", "tier", "status", "since", "customer_id"
        )
    )
    # The customers are read by id apart, not joined: for a resync chunk the planner hashes
    # the whole customer table (20 ms a chunk of 2,000 cards, 8 ms read apart).
    customers = {
        pk: (name, phone, level)
        for pk, name, phone, level in Customer.objects.filter(
            pk__in={row[4] for row in memberships}
        ).values_list("pk", "name", "phone", "level")
    }
    home = connection.schema_name
    members = [_member_payload(*row[:4], *customers[row[4]], home=home) for row in memberships]
    size = settings.SYNC_BULK_MESSAGE_ROWS
    chunks = [members[start : start + size] for start in range(0, len(members), size)]
    sync.publish_many("club.roster", [(_range_key(c), {"members": c}) for c in chunks], to=HQ)
    return len(members)


def _range_key(members: list[dict]) -> str:
    """A roster message's key names its card range (for the sync console; the topic is not
    gated by key, HQ compares each row's version)."""
    first, last = members[0]["card_number"], members[-1]["card_number"]
    return first if first == last else f"{first}-{last}"


TRANSITIONS = {
    "suspend": ({MembershipStatus.ACTIVE}, MembershipStatus.SUSPENDED),
    "reinstate": ({MembershipStatus.SUSPENDED}, MembershipStatus.ACTIVE),
    "end": (set(LIVE_STATUSES), MembershipStatus.ENDED),
}


@transaction.atomic
def change_status(membership: ClubMembership, action: str, *, actor) -> ClubMembership:
    """Suspend, reinstate or end a membership (staff's decision); HQ's roster and directory
    follow. A member whose level HQ's rules do not keep active cannot be reinstated by hand
    (409 ``below_entry_rules``): the next level change would undo it."""
    allowed, target = TRANSITIONS[action]
    membership = (
        ClubMembership.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=membership.pk)
    )
    if membership.status not in allowed:
        raise Conflict(
            _("A membership that is %(status)s cannot be changed this way.")
            % {"status": membership.get_status_display()},
            code="invalid_transition",
            fields={"status": [membership.status]},
        )
    if target == MembershipStatus.ACTIVE:
        rules = current_rules()
        kept = rules is None or rules.level_drop == LevelDropPolicy.KEEP
        if not kept and membership.customer.level not in rules.admitted_levels:
            raise Conflict(
                _(
                    "The customer's level (%(level)s) is below the club entry rules, and "
                    "HQ's rules do not keep such members active."
                )
                % {"level": membership.customer.get_level_display()},
                code="below_entry_rules",
                fields={"status": [membership.status]},
            )
    membership.status = target
    membership.status_reason = "" if target == MembershipStatus.ACTIVE else StatusReason.STAFF
    if target == MembershipStatus.ENDED:
        membership.ended_on = timezone.localdate()
    membership.stamp(actor)
    membership.save()
    publish_member(membership)
    return membership


# --- level changes: HQ's rules for members (R11.1) -----------------------------------------


def _policy_candidates(rules: ClubRules, admitted: list[str]) -> Q:
    """Live memberships the rules might change (``_target`` decides): those below the
    rules when the policy suspends or ends them, those the policy suspended (their level
    may qualify again, or HQ may keep such members now), and, when the tier follows the
    level, those whose admitted level gives another tier than their card's."""
    below = ~Q(customer__level__in=admitted)
    candidates = Q(status=MembershipStatus.SUSPENDED, status_reason=StatusReason.LEVEL)
    if rules.level_drop == LevelDropPolicy.SUSPEND:
        candidates |= below & Q(status=MembershipStatus.ACTIVE)
    elif rules.level_drop == LevelDropPolicy.END:
        candidates |= below
    if rules.tier_follows_level:
        for tier in rules.content["tiers"]:
            levels = [level for level in tier["levels"] if level in admitted]
            if levels:
                candidates |= Q(customer__level__in=levels) & ~Q(tier=tier["code"])
    return candidates


def _target(membership: ClubMembership, rules: ClubRules, admitted: set[str]) -> tuple:
    """``(status, status_reason, tier)`` the rules give a live membership at its
    customer's level now."""
    status, reason, tier = membership.status, membership.status_reason, membership.tier
    level = membership.customer.level
    suspended_by_level = status == MembershipStatus.SUSPENDED and reason == StatusReason.LEVEL
    if level in admitted or rules.level_drop == LevelDropPolicy.KEEP:
        if suspended_by_level:
            status, reason = MembershipStatus.ACTIVE, ""
        if level in admitted and rules.tier_follows_level:
            tier = rules.tier_for_level(level)["code"]
    elif rules.level_drop == LevelDropPolicy.SUSPEND:
        if status == MembershipStatus.ACTIVE:
            status, reason = MembershipStatus.SUSPENDED, StatusReason.LEVEL
    else:  # LevelDropPolicy.END: a manual suspension ends too, the level decides now
        status, reason = MembershipStatus.ENDED, StatusReason.LEVEL
    return status, reason, tier


def _why(
    membership: ClubMembership, status: str, tier: str, rules: ClubRules, admitted: set[str]
) -> str:
    """The history's reason of an automatic change (at most 100 characters)."""
    level = membership.customer.get_level_display()
    parts = []
    if status != membership.status:
        if status == MembershipStatus.ENDED:
            parts.append(_("Level %(level)s is below the club entry rules: ended"))
        elif status == MembershipStatus.SUSPENDED:
            parts.append(_("Level %(level)s is below the club entry rules: suspended"))
        elif membership.customer.level in admitted:
            parts.append(_("Level %(level)s qualifies for the club again: reinstated"))
        else:
            parts.append(_("Club rules v%(version)s keep members below the entry rules"))
    if tier != membership.tier:
        parts.append(_("Level %(level)s gives tier %(tier)s"))
    text = "; ".join(parts) % {"level": level, "tier": tier, "version": rules.version}
    return text[:100]


@transaction.atomic
def apply_level_policy(customer_ids: list[int] | None = None) -> list[str]:
    """Bring live memberships in line with HQ's rules in force (R11.1), set-based: those of
    ``customer_ids`` (their level changed) or, with ``None``, every one (a new version of
    the rules arrived). Returns the card numbers changed; the caller publishes their rows.

    - level admitted (at least the minimum and giving a tier): a suspension the policy
      made is lifted (automatically: its only cause is gone, and the level decision that
      brought it back was a person's); with ``tier_follows_level`` the card moves to the
      level's tier;
    - level not admitted: ``keep`` leaves the membership (and lifts a suspension an earlier
      policy made), ``suspend`` suspends an active one (reason ``level``), ``end`` ends a
      live one. A suspension by staff (reason ``staff``) is never lifted automatically.

    The memberships are locked in id order; every change gets a history row with its
    reason (``ClubMembership.history``), as ``change_status`` does for staff."""
    rules = current_rules()
    if rules is None:
        return []
    admitted = rules.admitted_levels
    rows = ClubMembership.objects.filter(status__in=LIVE_STATUSES).filter(
        _policy_candidates(rules, admitted)
    )
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=list(customer_ids))
    locked = rows.select_for_update(of=("self",)).select_related("customer").order_by("pk")
    today, now, admitted = timezone.localdate(), timezone.now(), set(admitted)
    changed = []
    for membership in locked:
        status, reason, tier = _target(membership, rules, admitted)
        if (status, reason, tier) == (membership.status, membership.status_reason, membership.tier):
            continue
        membership._change_reason = _why(membership, status, tier, rules, admitted)
        membership.status, membership.status_reason, membership.tier = status, reason, tier
        if status == MembershipStatus.ENDED:
            membership.ended_on = today
        membership.updated_at = now
        changed.append(membership)
    if changed:
        bulk_update_with_history(
            changed,
            ClubMembership,
            ["status", "status_reason", "tier", "ended_on", "updated_at"],
            batch_size=1000,
        )
    return [m.card_number for m in changed]


# --- activities ----------------------------------------------------------------------------


@transaction.atomic
def record_activity(
    *, actor, name: str, held_on: date, place: str = "", description: str = "", attendees=()
) -> ClubActivity:
    """A club event with the members who attended (live members only)."""
    attendees = list(attendees)
    live = ClubMembership.objects.filter(
        pk__in=[m.pk for m in attendees], status__in=LIVE_STATUSES
    ).count()
    if live != len({m.pk for m in attendees}):
        raise ValidationError({"attendees": _("Only current club members can attend.")})
    activity = ClubActivity(name=name, held_on=held_on, place=place, description=description)
    activity.stamp(actor)
    activity.save()
    activity.attendees.set(attendees)
    return activity


# --- benefit usage --------------------------------------------------------------------------


@transaction.atomic
def record_usage(
    membership: ClubMembership,
    benefit: str,
    quantity: int,
    *,
    actor,
    used_on: date | None = None,
    serving_province: str | None = None,
    request_id=None,
    note: str = "",
) -> BenefitUsage:
    """Record a benefit used by one of our members; refuse (409, nothing written) what goes
    beyond the tier's yearly allowance (R11.1)."""
    used_on = used_on or timezone.localdate()
    if quantity is None or quantity < 1:
        raise ValidationError({"quantity": _("The quantity is at least 1.")})
    rules = _rules_or_conflict()
    # The membership row is the lock that serialises the allowance check of one member.
    membership = ClubMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise Conflict(
            _("Only an active membership can use benefits."),
            code="not_active",
            fields={"membership": [membership.card_number]},
        )
    spec = rules.benefit(membership.tier, benefit)
    if spec is None:
        raise ValidationError({"benefit": _("The member's tier has no such benefit.")})
    used = used_in_year(membership, benefit, used_on.year)
    if used + quantity > spec["yearly_allowance"]:
        raise Conflict(
            _("Only %(left)s of %(allowance)s left this year for this benefit.")
            % {
                "left": max(0, spec["yearly_allowance"] - used),
                "allowance": spec["yearly_allowance"],
            },
            code="allowance_exhausted",
            fields={"quantity": [str(quantity)]},
        )
    usage = BenefitUsage(
        membership=membership,
        benefit=benefit,
        quantity=quantity,
        used_on=used_on,
        serving_province=serving_province or connection.schema_name,
        request_id=request_id,
        note=note,
    )
    usage.stamp(actor)
    usage.save()
    publish_usage(membership, benefit, used_on)
    return usage


def publish_usage(membership: ClubMembership, benefit: str, day: date) -> None:
    """Send HQ the member's whole month total of ``benefit``: HQ replaces, never adds."""
    month = day.replace(day=1)
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    total = (
        BenefitUsage.objects.filter(
            membership=membership, benefit=benefit, used_on__gte=month, used_on__lt=next_month
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    sync.publish(
        "club.usage",
        key=f"{membership.card_number}:{benefit}:{month:%Y-%m}",
        payload={
            "card_number": membership.card_number,
            "tier": membership.tier,
            "benefit": benefit,
            "month": month.isoformat(),
            "quantity": total,
        },
        to=HQ,
    )


# --- visiting members ------------------------------------------------------------------------


@transaction.atomic
def request_visit_usage(
    entry: directory.DirectoryEntry,
    benefit: str,
    quantity: int,
    *,
    actor,
    used_on: date | None = None,
) -> VisitingUsage:
    """A member of another province uses a benefit here. The home province holds the
    allowance, so the usage is pending until it answers (through HQ, R6.5.3)."""
    if entry.home_province == connection.schema_name:
        raise ValidationError(
            {
                "card_number": _(
                    "This is a member of this province: record the usage on the member's page."
                )
            }
        )
    if quantity is None or quantity < 1:
        raise ValidationError({"quantity": _("The quantity is at least 1.")})
    rules = _rules_or_conflict()
    if rules.benefit(entry.tier, benefit) is None:
        raise ValidationError({"benefit": _("The member's tier has no such benefit.")})
    visit = VisitingUsage(
        request_id=uuid.uuid4(),
        card_number=entry.card_number,
        home_province=entry.home_province,
        tier=entry.tier,
        name_masked=entry.name_masked,
        benefit=benefit,
        quantity=quantity,
        used_on=used_on or timezone.localdate(),
    )
    visit.stamp(actor)
    visit.save()
    sync.publish(
        "club.visit.request",
        key=str(visit.request_id),
        payload={
            "request_id": str(visit.request_id),
            "card_number": visit.card_number,
            "serving_province": connection.schema_name,
            "home_province": visit.home_province,
            "benefit": benefit,
            "quantity": quantity,
            "used_on": visit.used_on.isoformat(),
        },
        to=HQ,
    )
    return visit


def apply_visit_usage(payload: dict) -> None:
    """Home province: apply a visiting usage to the member's allowance, once per request id
    (a repeated request is answered with the first outcome), and answer through HQ."""
    request_id = uuid.UUID(str(payload["request_id"]))
    status, reason, remaining = VisitStatus.DONE, "", None
    usage = BenefitUsage.objects.filter(request_id=request_id).select_related("membership").first()
    membership = (
        usage.membership
        if usage
        else ClubMembership.objects.filter(card_number=payload["card_number"]).first()
    )
    if usage is None:
        if membership is None:
            status, reason = VisitStatus.REFUSED, "not_active"
        else:
            try:
                with transaction.atomic():  # a refusal rolls back to here and writes nothing
                    usage = record_usage(
                        membership,
                        payload["benefit"],
                        payload["quantity"],
                        actor=None,
                        used_on=date.fromisoformat(payload["used_on"]),
                        serving_province=payload["serving_province"],
                        request_id=request_id,
                    )
            except Conflict as exc:
                status, reason = VisitStatus.REFUSED, exc.code
            except ValidationError:
                status, reason = VisitStatus.REFUSED, "unknown_benefit"
    if membership is not None:
        rules = current_rules()
        spec = rules.benefit(membership.tier, payload["benefit"]) if rules else None
        if spec is not None:
            year = date.fromisoformat(payload["used_on"]).year
            remaining = max(
                0, spec["yearly_allowance"] - used_in_year(membership, spec["code"], year)
            )
    sync.publish(
        "club.visit.result",
        key=str(request_id),
        payload={
            "request_id": str(request_id),
            "serving_province": payload["serving_province"],
            "status": status,
            "reason": reason,
            "remaining": remaining,
        },
        to=HQ,
    )


def apply_visit_reply(payload: dict) -> VisitingUsage | None:
    """Serving province: the home province's answer turns pending into done or refused."""
    visit = (
        VisitingUsage.objects.select_for_update().filter(request_id=payload["request_id"]).first()
    )
    if visit is None:
        raise LookupError(f"No visiting usage {payload['request_id']} here")
    if visit.status == VisitStatus.PENDING:
        visit.status = payload["status"]
        visit.reason = payload["reason"]
        visit.remaining = payload["remaining"]
        visit.answered_at = timezone.now()
        visit.save(update_fields=["status", "reason", "remaining", "answered_at", "updated_at"])
    return visit
