"""Loyalty operations (R2.4): the accrual and expiry runs, validity extensions, adjustments.

The runs are set-based: each chunk is a few SQL statements, committed together with the
run's progress, so a crashed or retried run resumes after its last committed chunk and a
repeated chunk is harmless (the idempotency keys ``bill:<id>:earn``, ``bill:<id>:ontime``
and ``lot:<id>:expire`` are unique). Batch chunks take a per-province advisory lock so that
an accrual and an expiry chunk never lock the same accounts in different orders; single
customer ledger calls lock one account row and cannot deadlock with them (see ledger.py).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from province.customers.choices import BillStatus
from province.customers.models import Bill, Customer
from province.loyalty import ledger
from province.loyalty.choices import (
    AdjustmentStatus,
    EntryKind,
    RuleCondition,
    RuleKind,
    RuleScope,
    RunStatus,
)
from province.loyalty.models import (
    AccrualRun,
    AdjustmentRequest,
    EarningRule,
    ExpiryRun,
    LotExtension,
    LoyaltySettings,
    PointsLot,
    ValidityPolicy,
)
from shared.errors import Conflict

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50_000
BATCH_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':loyalty-batch'))"


def _month_end(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# --- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccrualRules:
    """The rules in force for one billing month (R2.4.2)."""

    base: EarningRule | None
    multipliers: dict[str, Decimal]
    on_time: EarningRule | None
    years_after: int


def rules_for(period: date) -> AccrualRules:
    """Active rules valid in ``period``; a provincial rule overrides a national one."""
    end = _month_end(period)
    rules = (
        EarningRule.objects.filter(is_active=True, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period))
        .order_by("-valid_from", "-id")
    )
    # provincial first: the first rule of a kind wins
    ordered = sorted(rules, key=lambda r: r.scope != RuleScope.PROVINCIAL)
    base = next((r for r in ordered if r.kind == RuleKind.BASE), None)
    multipliers: dict[str, Decimal] = {}
    for rule in ordered:
        if rule.kind == RuleKind.LEVEL_MULTIPLIER:
            multipliers.setdefault(rule.level, rule.multiplier)
    on_time = next(
        (
            r
            for r in ordered
            if r.kind == RuleKind.BONUS and r.condition == RuleCondition.PAID_ON_TIME
        ),
        None,
    )
    policy = ValidityPolicy.objects.filter(is_active=True).first()
    years = policy.years_after if policy is not None else ledger.DEFAULT_YEARS_AFTER
    return AccrualRules(base, multipliers, on_time, years)


# --- accrual run (R2.4.6) ----------------------------------------------------------------

# Settings of every batch chunk's transaction. A chunk is idempotent (unique keys) and the
# run's progress commits with it, so a chunk lost to a server crash in the commit-flush
# window is simply done again when the run is resumed: it need not wait for its WAL flush.
# The chunks' statements are short and planned once per chunk; JIT compiling them costs
# more than it saves.
_BATCH_SETTINGS_SQL = (
    "SET LOCAL synchronous_commit = off; SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
    " SET CONSTRAINTS ALL IMMEDIATE"
)

_ELIGIBLE = "b.period = %(period)s AND b.status = %(paid)s AND b.amount_paid > 0"
# The next chunk: its last bill id and size.
_ACCRUAL_BOUNDS_SQL = f"""
SELECT max(id), count(*) FROM (
    SELECT b.id FROM customers_bill b
    WHERE {_ELIGIBLE} AND b.id > %(lo)s ORDER BY b.id LIMIT %(n)s
) s"""  # noqa: S608


def _accrual_sql(rules: AccrualRules) -> str:
    """One chunk in one statement: the earn (and on-time bonus) entries, their lots, the
    accounts (created on a customer's first points) and their balances.

    Points = floor(amount paid × points per yuan × multiplier of the customer's level).
    Only bills with status "paid" accrue: a partly paid bill accrues once it is paid in
    full and its month is run again (the run is idempotent per bill: a bill whose key is
    already posted is left out). The entries are a plain INSERT, cheaper than ON CONFLICT:
    only an accrual run writes ``bill:`` keys and only one runs at a time, so a duplicate
    key can only mean a foreign writer; the unique index then fails the chunk (the run is
    marked failed and can be resumed) rather than skip an entry whose lot and balance the
    same statement writes. Entry ids are drawn up front so that the lots and balances are
    built from the same rows without reading the entries back.
    """
    whens = " ".join(
        f"WHEN %(level_{i})s THEN %(mult_{i})s::numeric" for i in range(len(rules.multipliers))
    )
    # The customer's level is read only when some level has a multiplier.
    multiplier = f"(CASE c.level {whens} ELSE 1 END)" if whens else "1"
    level_join = "JOIN customers_customer c ON c.id = b.customer_id" if whens else ""
    bonus = ""
    if rules.on_time is not None:
        bonus = """
        UNION ALL
        SELECT bl.id, bl.customer_id, bl.earned_on, 'bonus', 'bill:' || bl.id || ':ontime',
               (%(bonus_points)s + floor(bl.amount_paid * %(bonus_rate)s::numeric))::int,
               %(bonus_rule)s::bigint
        FROM bills bl WHERE bl.on_time"""
    return f"""
    WITH bills AS MATERIALIZED (
        SELECT b.id, b.customer_id, b.amount_paid,
               floor(b.amount_paid * %(rate)s::numeric * {multiplier})::int AS points,
               COALESCE(b.paid_on, %(period_end)s::date) AS earned_on,
               (b.paid_on IS NOT NULL AND b.paid_on <= b.due_date) AS on_time
        FROM customers_bill b {level_join}
        WHERE {_ELIGIBLE} AND b.id > %(lo)s AND b.id <= %(hi)s
    ),
    computed (bill_id, customer_id, earned_on, kind, key, points, rule_id) AS (
        SELECT bl.id, bl.customer_id, bl.earned_on, 'earn', 'bill:' || bl.id || ':earn',
               bl.points, %(base_rule)s::bigint
        FROM bills bl {bonus}
    ),
    fresh AS MATERIALIZED (
        SELECT nextval(%(entry_seq)s::regclass) AS id, s.*
        FROM (
            SELECT cp.* FROM computed cp
            WHERE cp.points > 0 AND NOT EXISTS (
                SELECT FROM loyalty_pointsentry e WHERE e.idempotency_key = cp.key OFFSET 0
            )
            ORDER BY cp.bill_id, cp.kind DESC
        ) s
    ),
    inserted AS (
        INSERT INTO loyalty_pointsentry
               (id, kind, customer_id, points, idempotency_key, reference, rule_id)
        SELECT f.id, f.kind, f.customer_id, f.points, f.key, 'bill:' || f.bill_id, f.rule_id
        FROM fresh f
    ),
    lots AS (
        INSERT INTO loyalty_pointslot
               (entry_id, customer_id, points, remaining, earned_on, expires_at)
        SELECT f.id, f.customer_id, f.points, f.points, f.earned_on,
               make_date(extract(year FROM f.earned_on)::int + %(years)s, 12, 31)
        FROM fresh f
    ),
    balances AS (
        INSERT INTO loyalty_pointsaccount AS a (customer_id, balance, updated_at)
        SELECT f.customer_id, sum(f.points), now() FROM fresh f
        GROUP BY f.customer_id ORDER BY f.customer_id
        ON CONFLICT (customer_id) DO UPDATE
        SET balance = a.balance + excluded.balance, updated_at = excluded.updated_at
    )
    SELECT (SELECT count(*) FROM bills), count(*), COALESCE(sum(f.points), 0) FROM fresh f
    """  # noqa: S608 (only placeholders and our table names are interpolated)


def _accrual_params(run: AccrualRun, rules: AccrualRules) -> dict:
    params = {
        "period": run.period,
        "period_end": _month_end(run.period),
        "paid": BillStatus.PAID.value,
        "rate": rules.base.points_per_yuan,
        "base_rule": rules.base.pk,
        "years": rules.years_after,
    }
    for i, (level, multiplier) in enumerate(sorted(rules.multipliers.items())):
        params[f"level_{i}"] = level
        params[f"mult_{i}"] = multiplier
    if rules.on_time is not None:
        params |= {
            "bonus_points": rules.on_time.bonus_points,
            "bonus_rate": rules.on_time.points_per_yuan,
            "bonus_rule": rules.on_time.pk,
        }
    return params


def _entry_sequence() -> str:
    """The (schema-qualified) sequence of entry ids, named once per run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('loyalty_pointsentry', 'id')")
        return cursor.fetchone()[0]


def _eligible_bills(period: date):
    return Bill.objects.filter(period=period, status=BillStatus.PAID, amount_paid__gt=0)


def start_accrual(period: date, *, actor=None) -> AccrualRun:
    """Create the run of ``period`` (first day of a month); Conflict if one is running."""
    period = period.replace(day=1)
    if not rules_for(period).base:
        raise Conflict(_("No active base earning rule covers this month."), code="no_base_rule")
    try:
        with transaction.atomic():
            return AccrualRun.objects.create(
                period=period,
                started_by=ledger._actor(actor),
                total=_eligible_bills(period).count(),
            )
    except IntegrityError as exc:
        raise Conflict(_("An accrual run is already in progress."), code="run_in_progress") from exc


def _finish(model, run, exc: Exception | None = None) -> None:
    now = timezone.now()
    if exc is None:
        model.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=now, updated_at=now
        )
    else:
        model.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=now, updated_at=now
        )


def execute_accrual(
    run_id: int,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[AccrualRun], None] | None = None,
) -> AccrualRun:
    """Accrue every paid bill of the run's month, ``chunk_size`` bills at a time (R2.4.6)."""
    run = AccrualRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run  # a redelivered task for a finished run does nothing
    try:
        rules = rules_for(run.period)
        if rules.base is None:
            raise Conflict(_("No active base earning rule covers this month."), code="no_base_rule")
        params = _accrual_params(run, rules) | {"entry_seq": _entry_sequence()}
        sql = _accrual_sql(rules)
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_BATCH_SETTINGS_SQL)
                cursor.execute(BATCH_LOCK_SQL)
                cursor.execute(
                    _ACCRUAL_BOUNDS_SQL,
                    params | {"lo": run.next_bill_id, "n": chunk_size},
                )
                hi, count = cursor.fetchone()
                if not count:
                    break
                cursor.execute(sql, params | {"lo": run.next_bill_id, "hi": hi})
                bills, entries, points = cursor.fetchone()
                AccrualRun.objects.filter(pk=run.pk).update(
                    done=F("done") + bills,
                    entries_created=F("entries_created") + entries,
                    points_created=F("points_created") + points,
                    next_bill_id=hi,
                    updated_at=timezone.now(),
                )
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
        _finish(AccrualRun, run)
    except Exception as exc:
        logger.exception("Accrual run %s failed", run.pk)
        _finish(AccrualRun, run, exc)
    run.refresh_from_db()
    return run


def resume_run(run: AccrualRun | ExpiryRun) -> AccrualRun | ExpiryRun:
    """Set a failed run running again; its next chunk starts after the last committed one."""
    model = type(run)
    try:
        with transaction.atomic():
            updated = model.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
                status=RunStatus.RUNNING, error="", finished_at=None, updated_at=timezone.now()
            )
    except IntegrityError as exc:
        raise Conflict(_("Another run is already in progress."), code="run_in_progress") from exc
    if not updated:
        raise Conflict(_("Only a failed run can be resumed."), code="run_not_failed")
    run.refresh_from_db()
    return run


# --- expiry (R2.4.5) ---------------------------------------------------------------------

_LAPSED = "NOT l.expired AND l.remaining > 0 AND l.expires_at < %(as_of)s"
# The next chunk of lapsed lots, and the accounts of their customers locked FOR UPDATE in id
# order: the lock order of the ledger (accounts first, then their lots). This is a statement
# of its own so that the expiry statement below, under READ COMMITTED, takes its snapshot
# after the locks are held and thus reads the locked customers' latest committed state; it
# touches only those customers (a lot another transaction was adding meanwhile, of a
# customer not locked here, waits for the next chunk or run).
_EXPIRY_LOCK_SQL = f"""
WITH chunk AS MATERIALIZED (
    SELECT l.id, l.customer_id FROM loyalty_pointslot l
    WHERE {_LAPSED} AND l.id > %(lo)s ORDER BY l.id LIMIT %(n)s
),
locked AS MATERIALIZED (
    SELECT a.customer_id FROM loyalty_pointsaccount a
    WHERE a.customer_id IN (SELECT customer_id FROM chunk)
    ORDER BY a.id FOR UPDATE
)
SELECT (SELECT max(id) FROM chunk), (SELECT count(*) FROM chunk),
       (SELECT array_agg(customer_id) FROM locked)
"""  # noqa: S608

# One statement per chunk: what is left of the lapsed lots becomes expire entries, the lots
# are closed and the balances lowered. Lots of customers for whom expiring them would leave
# less than the held points are left open ("deferred"): the hold reserved them; the next run
# expires them once it is settled.
_EXPIRY_SQL = f"""
WITH locked AS MATERIALIZED (SELECT DISTINCT unnest(%(customers)s::bigint[]) AS customer_id),
picked AS MATERIALIZED (
    SELECT l.id, l.customer_id, l.remaining
    FROM loyalty_pointslot l JOIN locked k ON k.customer_id = l.customer_id
    WHERE {_LAPSED} AND l.id > %(lo)s AND l.id <= %(hi)s
),
per_customer AS MATERIALIZED (
    SELECT a.id AS account_id, p.customer_id, sum(p.remaining) AS points
    FROM picked p JOIN loyalty_pointsaccount a ON a.customer_id = p.customer_id
    GROUP BY a.id, p.customer_id
    HAVING a.balance - sum(p.remaining) >= a.held
),
eligible AS MATERIALIZED (
    SELECT p.id, p.customer_id, p.remaining
    FROM picked p JOIN per_customer pc ON pc.customer_id = p.customer_id
),
inserted AS (
    INSERT INTO loyalty_pointsentry (kind, customer_id, points, idempotency_key, reference)
    SELECT 'expire', e.customer_id, -e.remaining, 'lot:' || e.id || ':expire', 'lot:' || e.id
    FROM eligible e ORDER BY e.id
),
closed AS (
    UPDATE loyalty_pointslot l SET remaining = 0, expired = true, expired_at = now()
    FROM eligible e WHERE l.id = e.id AND l.id > %(lo)s AND l.id <= %(hi)s
),
balances AS (
    UPDATE loyalty_pointsaccount a SET balance = a.balance - pc.points, updated_at = now()
    FROM per_customer pc WHERE a.id = pc.account_id
)
SELECT (SELECT count(*) FROM picked), count(*), COALESCE(sum(e.remaining), 0) FROM eligible e
"""  # noqa: S608


def start_expiry(as_of: date | None = None, *, actor=None) -> ExpiryRun:
    as_of = as_of or timezone.localdate()
    try:
        with transaction.atomic():
            return ExpiryRun.objects.create(
                as_of=as_of,
                started_by=ledger._actor(actor),
                total=PointsLot.objects.filter(
                    expired=False, remaining__gt=0, expires_at__lt=as_of
                ).count(),
            )
    except IntegrityError as exc:
        raise Conflict(_("An expiry run is already in progress."), code="run_in_progress") from exc


def execute_expiry(
    run_id: int,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[ExpiryRun], None] | None = None,
) -> ExpiryRun:
    """Post an expire entry for what is left of every lot that lapsed before ``as_of``."""
    run = ExpiryRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    try:
        params = {"as_of": run.as_of}
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_BATCH_SETTINGS_SQL)
                cursor.execute(BATCH_LOCK_SQL)
                cursor.execute(_EXPIRY_LOCK_SQL, params | {"lo": run.next_lot_id, "n": chunk_size})
                hi, count, customers = cursor.fetchone()
                if not count:
                    break
                cursor.execute(
                    _EXPIRY_SQL,
                    params | {"lo": run.next_lot_id, "hi": hi, "customers": customers or []},
                )
                lots, entries, points = cursor.fetchone()
                ExpiryRun.objects.filter(pk=run.pk).update(
                    done=F("done") + lots,
                    entries_created=F("entries_created") + entries,
                    points_expired=F("points_expired") + points,
                    deferred=F("deferred") + (lots - entries),
                    next_lot_id=hi,
                    updated_at=timezone.now(),
                )
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
        _finish(ExpiryRun, run)
    except Exception as exc:
        logger.exception("Expiry run %s failed", run.pk)
        _finish(ExpiryRun, run, exc)
    run.refresh_from_db()
    return run


def expire_points(
    as_of: date | None = None, *, actor=None, chunk_size: int = CHUNK_SIZE
) -> ExpiryRun:
    """Start and execute an expiry run here (the command's ``--sync`` and the tests)."""
    run = start_expiry(as_of, actor=actor)
    return execute_expiry(run.pk, chunk_size=chunk_size)


@transaction.atomic
def extend_lot(lot: PointsLot, new_expires_at: date, *, actor, reason: str) -> LotExtension:
    """Move a lot's expiry later (R2.4.3); audited by a ``LotExtension`` row."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the validity is extended.")})
    ledger.lock_account(lot.customer_id)  # every writer of a customer's lots holds this lock
    locked = PointsLot.objects.get(pk=lot.pk)
    if locked.expired:
        raise Conflict(_("These points have already expired."), code="lot_expired")
    if new_expires_at <= locked.expires_at:
        raise ValidationError({"expires_at": _("Choose a date after the current expiry.")})
    extension = LotExtension.objects.create(
        lot=locked,
        customer_id=locked.customer_id,
        old_expires_at=locked.expires_at,
        new_expires_at=new_expires_at,
        actor=actor,
        reason=reason[:200],
    )
    locked.expires_at = new_expires_at
    locked.save(update_fields=["expires_at"])
    lot.expires_at = new_expires_at
    return extension


# --- adjustments (R2.4.7) ----------------------------------------------------------------


def _post_adjustment(request: AdjustmentRequest, actor) -> None:
    key = f"adjustment:{request.pk}"
    if request.points > 0:
        entry = ledger.credit(
            request.customer_id,
            request.points,
            kind=EntryKind.ADJUST,
            idempotency_key=key,
            actor=actor,
            reference=key,
            note=request.reason,
        )
    else:
        entry = ledger.debit(
            request.customer_id,
            -request.points,
            kind=EntryKind.ADJUST,
            idempotency_key=key,
            actor=actor,
            reference=key,
            note=request.reason,
        )
    request.entry = entry


@transaction.atomic
def request_adjustment(customer: Customer, points: int, *, actor, reason: str) -> AdjustmentRequest:
    """Adjust a customer's points by hand, with a reason (R2.4.7).

    Up to the threshold of ``LoyaltySettings`` it posts at once (a credit opens a lot with
    the default validity; a debit is allocated like any debit); above it the request waits
    for a supervisor. Either way the request row is the audit record.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the points are adjusted.")})
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise ValidationError({"points": _("Enter a whole number of points other than zero.")})
    request = AdjustmentRequest(customer=customer, points=points, reason=reason[:200])
    request.stamp(actor)
    request.save()
    if abs(points) <= LoyaltySettings.load().adjustment_approval_threshold:
        _post_adjustment(request, actor)
        request.status = AdjustmentStatus.APPROVED
        request.decided_at = timezone.now()
        request.decision_note = _("Within the threshold: posted at once.")
        request.save(update_fields=["entry", "status", "decided_at", "decision_note"])
    return request


@transaction.atomic
def decide_adjustment(
    request: AdjustmentRequest, *, actor, approve: bool, note: str = ""
) -> AdjustmentRequest:
    """A supervisor approves (posts) or rejects a pending adjustment; not the requester."""
    note = (note or "").strip()
    locked = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != AdjustmentStatus.PENDING:
        raise Conflict(_("This adjustment is no longer pending."), code="adjustment_decided")
    if locked.created_by_id is not None and locked.created_by_id == getattr(actor, "pk", None):
        raise Conflict(
            _("An adjustment must be approved by someone other than its requester."),
            code="own_request",
        )
    if not approve and not note:
        raise ValidationError({"note": _("Say why the adjustment is rejected.")})
    if approve:
        _post_adjustment(locked, actor)
    locked.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note[:200]
    locked.stamp(actor)
    locked.save()
    return locked


def new_request_key() -> str:
    return f"request:{uuid.uuid4()}"


# --- redemption (R2.4.4, R2.4.8, R6.5.1): in its own module, re-exported here -----------

from province.loyalty.redemption import (  # noqa: E402
    auto_redemption_candidates,
    cancel_redemption,
    customer_standing,
    deactivate_reward_item,
    execute_auto_redemption,
    redeem,
    redeem_once,
    redemption_refusals,
    run_auto_redemption,
    save_auto_redemption_rule,
    save_reward_item,
    start_auto_redemption,
)

__all__ = [
    "auto_redemption_candidates",
    "cancel_redemption",
    "customer_standing",
    "deactivate_reward_item",
    "execute_auto_redemption",
    "redeem",
    "redeem_once",
    "redemption_refusals",
    "run_auto_redemption",
    "save_auto_redemption_rule",
    "save_reward_item",
    "start_auto_redemption",
]
