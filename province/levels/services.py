"""Business operations on levels and membership cards (R2.2).

- Standards: save (with rules) and activate (exactly one active).
- Re-grading: ``start_regrading`` creates a run; ``execute_run`` grades the province in
  customer-id chunks, one ``INSERT … SELECT`` per chunk, committing progress after each.
- Decisions: approve/reject proposals, ``override_level``, ``apply_annual_review``; every
  level change goes through the customer's history (who, when, reason) and a
  ``LevelChange`` row.
- Cards: apply → issue → report lost ⇄ unblock; reissue; cancel. A transition the card's
  state does not allow is a ``Conflict`` (HTTP 409).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from province.customers.changes import customers_changed
from province.customers.choices import CustomerLevel, CustomerStatus
from province.customers.models import Customer
from province.levels.choices import (
    LEVEL_RANK,
    LIVE_CARD_STATUSES,
    CardStatus,
    ChangeSource,
    ProposalStatus,
    RunStatus,
)
from province.levels.models import (
    LevelChange,
    LevelProposal,
    LevelRule,
    LevelStandard,
    MembershipCard,
    RegradingRun,
)
from province.levels.selectors import (
    active_standard,
    add_months,
    annual_review,
    earned_level_sql,
    first_of_month,
    grading_ctes,
    grading_params,
)
from shared.errors import Conflict

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50_000
# A run whose worker died keeps status "running"; after this long a new run may replace it.
STALE_RUN_AFTER = timedelta(hours=6)
MAX_BATCH = 1000
EARLIEST_YEAR = 2000  # no billing data before this; also keeps date arithmetic in range
CARD_NUMBER_SEQUENCE = "levels_card_number_seq"
STANDARD_FIELDS = {"name", "effective_from", "months", "strategic_min_level", "validity_months"}
RULE_FIELDS = {"level", "min_avg_monthly_paid", "min_tenure_months", "min_active_products"}


# --- standards ---------------------------------------------------------------------------


def _clean_rules(rules: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for rule in rules:
        unknown = set(rule) - RULE_FIELDS
        if unknown:
            raise ValidationError({"rules": _("Unknown rule field: %(f)s") % {"f": min(unknown)}})
        level = rule.get("level")
        if level not in LEVEL_RANK or level == CustomerLevel.STANDARD:
            raise ValidationError({"rules": _("Rules are for silver, gold and diamond.")})
        if level in seen:
            raise ValidationError({"rules": _("One rule per level.")})
        if rule.get("min_avg_monthly_paid") is None or Decimal(rule["min_avg_monthly_paid"]) < 0:
            raise ValidationError(
                {"rules": _("Give a minimum average monthly paid revenue of 0 or more.")}
            )
        seen[level] = rule
    # A higher level must not be easier to reach than a lower one on revenue.
    ordered = sorted(seen.values(), key=lambda r: LEVEL_RANK[r["level"]])
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        if Decimal(higher["min_avg_monthly_paid"]) < Decimal(lower["min_avg_monthly_paid"]):
            raise ValidationError(
                {"rules": _("A higher level needs at least the revenue of a lower one.")}
            )
    return ordered


@transaction.atomic
def save_standard(
    standard: LevelStandard | None = None, *, actor, rules: list[dict] | None = None, **fields
) -> LevelStandard:
    """Create or edit a standard and replace its rules (R2.2).

    A standard that re-grading runs have used is history: edit a copy instead, so a past
    run's proposals stay explainable by the rules they were computed with.
    """
    unknown = set(fields) - STANDARD_FIELDS
    if unknown:
        raise ValidationError({field: _("Unknown field.") for field in unknown})
    if standard is not None and standard.pk and standard.runs.exists():
        raise Conflict(
            _("This standard has been used by re-grading runs; create a new version instead."),
            code="standard_in_use",
        )
    standard = standard or LevelStandard()
    for name, value in fields.items():
        setattr(standard, name, value)
    standard.stamp(actor)
    standard.full_clean(validate_unique=False, validate_constraints=False)
    standard.save()
    if rules is not None:
        cleaned = _clean_rules(rules)
        standard.rules.all().delete()
        LevelRule.objects.bulk_create(
            LevelRule(standard=standard, **{k: rule.get(k) for k in RULE_FIELDS})
            for rule in cleaned
        )
    return standard


@transaction.atomic
def activate_standard(standard: LevelStandard, *, actor) -> LevelStandard:
    """Make ``standard`` the only active one (the partial unique index guarantees it)."""
    if not standard.rules.exists():
        raise ValidationError({"rules": _("A standard without rules cannot be activated.")})
    LevelStandard.objects.select_for_update().filter(is_active=True).exclude(pk=standard.pk).update(
        is_active=False, updated_at=timezone.now(), updated_by=actor
    )
    standard.is_active = True
    standard.stamp(actor)
    standard.save()
    return standard


@transaction.atomic
def delete_standard(standard: LevelStandard, *, actor) -> None:
    if standard.is_active:
        raise Conflict(_("The active standard cannot be deleted."), code="standard_active")
    standard.stamp(actor)
    standard.delete()  # PROTECT from runs → 409 via the API error handler


# --- re-grading --------------------------------------------------------------------------


@transaction.atomic
def start_regrading(*, actor=None, as_of: date | None = None) -> RegradingRun:
    """Create a run of the active standard; the caller queues ``regrade_task`` on commit.

    Pending proposals of earlier runs are superseded: the new run re-evaluates everyone.
    """
    as_of = first_of_month(as_of)
    latest = add_months(first_of_month(), 1)
    if as_of.year < EARLIEST_YEAR or as_of > latest:
        raise ValidationError(
            {
                "as_of": _("Choose a month between %(first)s and %(last)s.")
                % {"first": f"{EARLIEST_YEAR}-01", "last": f"{latest:%Y-%m}"}
            }
        )
    standard = active_standard()
    if standard is None:
        raise Conflict(_("There is no active level standard."), code="no_active_standard")
    running = RegradingRun.objects.select_for_update().filter(status=RunStatus.RUNNING).first()
    if running is not None:
        if running.started_at > timezone.now() - STALE_RUN_AFTER:
            raise Conflict(
                _("A re-grading run is already in progress."),
                code="run_in_progress",
                link=f"/levels/runs/{running.pk}/",
            )
        running.status = RunStatus.FAILED
        running.error = _("Abandoned: no progress for too long.")
        running.finished_at = timezone.now()
        running.save(update_fields=["status", "error", "finished_at", "updated_at"])
    LevelProposal.objects.filter(status=ProposalStatus.PENDING).update(
        status=ProposalStatus.SUPERSEDED, updated_at=timezone.now()
    )
    eligible = Customer.objects.filter(merged_into__isnull=True).exclude(
        status=CustomerStatus.CHURNED
    )
    return RegradingRun.objects.create(
        standard=standard,
        as_of=as_of,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        total=eligible.count(),
    )


def _chunk_sql() -> str:
    table = LevelProposal._meta.db_table
    return f"""
    WITH {grading_ctes("", id_range=True)},
    inserted AS (
        INSERT INTO {table} (run_id, customer_id, current_level, proposed_level,
                             avg_monthly_paid, tenure_months, active_products, status,
                             reason, created_at, updated_at)
        SELECT %(run_id)s, g.customer_id, g.current_level, {earned_level_sql()},
               ROUND(g.avg_paid, 2), g.tenure_months, g.active_products, %(pending)s,
               '', now(), now()
        FROM graded g
        WHERE g.earned_rank <> g.current_rank
        ON CONFLICT (run_id, customer_id) DO NOTHING
        RETURNING current_level, proposed_level
    )
    SELECT (SELECT COUNT(*) FROM graded),
           (SELECT COUNT(*) FROM inserted),
           (SELECT COUNT(*) FROM inserted i
             WHERE {_rank_of("i.proposed_level")} > {_rank_of("i.current_level")})
    """  # noqa: S608 (table names and level codes are ours; values are parameters)


def _rank_of(column: str) -> str:
    whens = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in LEVEL_RANK.items())
    return f"(CASE {column} {whens} END)"


def execute_run(
    run_id: int,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[RegradingRun], None] | None = None,
) -> RegradingRun:
    """Grade every eligible customer, ``chunk_size`` ids at a time (R2.2).

    Each chunk is one transaction holding its proposals and the run's progress, so the
    progress bar moves while the run works, and a retried task resumes after the last
    committed chunk (``ON CONFLICT DO NOTHING`` makes a repeated chunk harmless).
    """
    run = RegradingRun.objects.select_related("standard").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run  # a redelivered task for a finished run does nothing
    try:
        bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
        low = max(run.next_customer_id, bounds["low"] or 0)
        high = bounds["high"] or 0
        params = grading_params(run.standard, run.as_of)
        params |= {"run_id": run.pk, "pending": ProposalStatus.PENDING.value}
        sql = _chunk_sql()
        while low <= high:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params | {"lo": low, "hi": low + chunk_size})
                graded, proposed, upgrades = cursor.fetchone()
                RegradingRun.objects.filter(pk=run.pk).update(
                    done=F("done") + graded,
                    proposals=F("proposals") + proposed,
                    upgrades=F("upgrades") + upgrades,
                    downgrades=F("downgrades") + (proposed - upgrades),
                    next_customer_id=low + chunk_size,
                    updated_at=timezone.now(),
                )
            low += chunk_size
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
        RegradingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
    except Exception as exc:
        logger.exception("Re-grading run %s failed", run.pk)
        RegradingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


# --- level changes -----------------------------------------------------------------------


def _validity_months() -> int:
    standard = active_standard()
    return standard.validity_months if standard else 12


def _change_levels(
    changes: list[tuple[Customer, str, LevelProposal | None]],
    *,
    actor,
    source: str,
    reason: str,
) -> list[LevelChange]:
    """Set each customer's level through its history and write the ``LevelChange`` rows.

    The customers must be locked by the caller.
    """
    now = timezone.now()
    valid_until = add_months(timezone.localdate(), _validity_months())
    rows = []
    for customer, level, proposal in changes:
        rows.append(
            LevelChange(
                customer=customer,
                from_level=customer.level,
                to_level=level,
                source=source,
                proposal=proposal,
                reason=reason,
                actor=actor,
                at=now,
                valid_until=None if level == CustomerLevel.STANDARD else valid_until,
            )
        )
        customer.level = level
        customer.updated_at = now
        customer.updated_by = actor
    history_reason = (reason or str(ChangeSource(source).label))[:100]
    bulk_update_with_history(
        [customer for customer, _level, _proposal in changes],
        Customer,
        ["level", "updated_by", "updated_at"],
        default_user=actor,
        default_change_reason=history_reason,
    )
    # Copies of the level elsewhere follow in this transaction (the club roster: R11.1).
    customers_changed([customer.pk for customer, _level, _proposal in changes], {"level"})
    return LevelChange.objects.bulk_create(rows)


def _locked_customers(ids: Iterable[int], *, visible_to=None) -> dict[int, Customer]:
    # Lock in primary-key order so concurrent decisions over overlapping sets cannot deadlock.
    customers = Customer.objects.all()
    if visible_to is not None:
        customers = customers.visible_to(visible_to)
    locked = customers.select_for_update(of=("self",)).filter(pk__in=set(ids)).order_by("pk")
    return {c.pk: c for c in locked}


@transaction.atomic
def decide_proposals(
    proposal_ids: list[int], *, actor, approve: bool, reason: str = ""
) -> list[LevelProposal]:
    """Approve or reject pending proposals, all of them or none (R2.2).

    Approval changes the customer's level; a customer whose level changed since the run
    (an override, an earlier approval) makes the whole batch a conflict.
    """
    reason = (reason or "").strip()
    ids = list(dict.fromkeys(proposal_ids))
    if not ids:
        raise ValidationError({"proposals": _("Choose at least one proposal.")})
    if len(ids) > MAX_BATCH:
        raise ValidationError(
            {"proposals": _("Decide at most %(n)d proposals at once.") % {"n": MAX_BATCH}}
        )
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the proposal is rejected.")})
    proposals = list(
        LevelProposal.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(proposals) != len(ids):
        raise ValidationError(
            {
                "proposals": _("%(count)d of the chosen proposals are not yours to decide.")
                % {"count": len(ids) - len(proposals)}
            }
        )
    decided = [p for p in proposals if p.status != ProposalStatus.PENDING]
    if decided:
        raise Conflict(
            _("%(count)d of the chosen proposals are no longer pending.") % {"count": len(decided)},
            code="proposal_decided",
        )
    if approve:
        customers = _locked_customers(p.customer_id for p in proposals)
        moved = [p for p in proposals if customers[p.customer_id].level != p.current_level]
        if moved:
            raise Conflict(
                _("The level of %(count)d customers changed since the run; start a new run.")
                % {"count": len(moved)},
                code="level_changed",
            )
        _change_levels(
            [(customers[p.customer_id], p.proposed_level, p) for p in proposals],
            actor=actor,
            source=ChangeSource.PROPOSAL,
            reason=reason,
        )
    now = timezone.now()
    for proposal in proposals:
        proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.reason = reason[:200]
        proposal.updated_at = now
    LevelProposal.objects.bulk_update(
        proposals, ["status", "decided_by", "decided_at", "reason", "updated_at"]
    )
    return proposals


def approve_proposal(proposal: LevelProposal, *, actor, reason: str = "") -> LevelProposal:
    return decide_proposals([proposal.pk], actor=actor, approve=True, reason=reason)[0]


def reject_proposal(proposal: LevelProposal, *, actor, reason: str) -> LevelProposal:
    return decide_proposals([proposal.pk], actor=actor, approve=False, reason=reason)[0]


@transaction.atomic
def override_level(customer: Customer, level: str, *, actor, reason: str) -> LevelChange:
    """Set a customer's level by hand (R2.2); the reason is mandatory and kept in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the level is overridden.")})
    if level not in LEVEL_RANK:
        raise ValidationError({"level": _("Unknown level.")})
    locked = _locked_customers([customer.pk])[customer.pk]
    if locked.merged_into_id is not None:
        raise Conflict(_("The customer was merged into another one."), code="merged")
    if locked.level == level:
        raise ValidationError({"level": _("The customer already has this level.")})
    (change,) = _change_levels(
        [(locked, level, None)], actor=actor, source=ChangeSource.OVERRIDE, reason=reason
    )
    customer.level = level
    return change


@transaction.atomic
def apply_annual_review(
    customer_ids: list[int], *, actor, reason: str = "", as_of: date | None = None
) -> list[LevelChange]:
    """Move reviewed members down to the level they still qualify for (R2.2 年检)."""
    if not customer_ids:
        raise ValidationError({"customers": _("Choose at least one customer.")})
    customers = _locked_customers(customer_ids, visible_to=actor)
    rows = {
        row.customer_id: row
        for row in annual_review(actor, as_of=as_of, customer_ids=list(customers))
        if row.qualifying_level != row.current_level
    }
    if not rows:
        return []
    reason = (reason or "").strip() or _("Annual review")
    return _change_levels(
        [(customers[cid], row.qualifying_level, None) for cid, row in rows.items()],
        actor=actor,
        source=ChangeSource.ANNUAL_REVIEW,
        reason=reason,
    )


# --- membership cards --------------------------------------------------------------------


def _locked_card(card: MembershipCard) -> MembershipCard:
    return MembershipCard.objects.select_for_update().select_related("customer").get(pk=card.pk)


def _require(card: MembershipCard, allowed: tuple[str, ...], message: str) -> None:
    if card.status not in allowed:
        raise Conflict(
            message % {"status": card.get_status_display()},
            code="invalid_transition",
            fields={"status": [card.status]},
        )


def _next_card_number() -> str:
    """ "VIP" + 10 digits from a per-province sequence: the same format in every province."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [CARD_NUMBER_SEQUENCE])
        (value,) = cursor.fetchone()
    return f"VIP{value:010d}"


def _card_valid_until() -> date:
    return add_months(timezone.localdate(), _validity_months())


@transaction.atomic
def apply_card(customer: Customer, *, actor) -> MembershipCard:
    """A member applies for a card; only customers above the standard level are members."""
    customer = _locked_customers([customer.pk])[customer.pk]
    if customer.merged_into_id is not None or customer.status == CustomerStatus.CHURNED:
        raise ValidationError({"customer": _("The customer is no longer active.")})
    if customer.level == CustomerLevel.STANDARD:
        raise ValidationError(
            {"customer": _("Only customers above the standard level can hold a card.")}
        )
    live = customer.cards.filter(status__in=LIVE_CARD_STATUSES).first()
    if live is not None:
        raise Conflict(
            _("The customer already has a membership card (%(card)s).") % {"card": live},
            code="card_exists",
            link=f"/levels/customer/{customer.pk}/",
        )
    card = MembershipCard(customer=customer, level=customer.level, applied_at=timezone.now())
    card.stamp(actor)
    card.save()
    return card


def _save_card(card: MembershipCard, actor, reason: str) -> MembershipCard:
    card.stamp(actor)
    card._change_reason = reason[:100]
    card.save()
    return card


@transaction.atomic
def issue_card(card: MembershipCard, *, actor) -> MembershipCard:
    card = _locked_card(card)
    _require(
        card,
        (CardStatus.APPLIED,),
        _("Only an applied card can be issued; this one is %(status)s."),
    )
    card.number = _next_card_number()
    card.level = card.customer.level
    card.status = CardStatus.ISSUED
    card.issued_at = timezone.now()
    card.valid_until = _card_valid_until()
    return _save_card(card, actor, _("Issued"))


@transaction.atomic
def report_lost(card: MembershipCard, *, actor) -> MembershipCard:
    card = _locked_card(card)
    _require(
        card,
        (CardStatus.ISSUED,),
        _("Only an issued card can be reported lost; this one is %(status)s."),
    )
    card.status = CardStatus.LOST
    return _save_card(card, actor, _("Reported lost"))


@transaction.atomic
def unblock_card(card: MembershipCard, *, actor) -> MembershipCard:
    card = _locked_card(card)
    _require(
        card,
        (CardStatus.LOST,),
        _("Only a card reported lost can be unblocked; this one is %(status)s."),
    )
    card.status = CardStatus.ISSUED
    return _save_card(card, actor, _("Unblocked"))


@transaction.atomic
def reissue_card(card: MembershipCard, *, actor) -> MembershipCard:
    """Replace an issued or lost card by a new issued one; the old one is cancelled.

    The replacement keeps the old card's validity: reissuing does not extend membership.
    """
    card = _locked_card(card)
    _require(
        card,
        (CardStatus.ISSUED, CardStatus.LOST),
        _("Only an issued or lost card can be reissued; this one is %(status)s."),
    )
    # Cancel first: the one-live-card index would refuse the new card otherwise.
    card.status = CardStatus.CANCELLED
    _save_card(card, actor, _("Reissued"))
    new = MembershipCard(
        customer=card.customer,
        number=_next_card_number(),
        level=card.customer.level,
        status=CardStatus.ISSUED,
        applied_at=timezone.now(),
        issued_at=timezone.now(),
        valid_until=card.valid_until or _card_valid_until(),
    )
    new.stamp(actor)
    new.save()
    card.replaced_by = new
    _save_card(card, actor, _("Reissued"))
    return new


@transaction.atomic
def cancel_card(card: MembershipCard, *, actor, reason: str = "") -> MembershipCard:
    card = _locked_card(card)
    _require(card, LIVE_CARD_STATUSES, _("This card is already %(status)s."))
    card.status = CardStatus.CANCELLED
    return _save_card(card, actor, reason.strip() or _("Cancelled"))


CARD_TRANSITIONS = {
    "issue": issue_card,
    "report_lost": report_lost,
    "unblock": unblock_card,
    "reissue": reissue_card,
    "cancel": cancel_card,
}
