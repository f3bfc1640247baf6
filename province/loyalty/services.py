"""Loyalty operations (R2.4): the accrual and expiry runs, validity extensions, adjustments.

The runs are set-based: each chunk is a few SQL statements, committed together with the
run's progress, so a crashed or retried run resumes after its last committed chunk and a
repeated chunk is harmless (the idempotency keys ``bill:<id>:earn``, ``bill:<id>:ontime``,
``bill:<id>:rule:<rule id>`` and ``lot:<id>:expire`` are unique). The earning rules and the
accrual statement live in ``earning.py``. Batch chunks take a per-province advisory lock so that
an accrual and an expiry chunk never lock the same accounts in different orders; single
customer ledger calls lock one account row and cannot deadlock with them (see ledger.py).
"""

import logging
import uuid
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from province.customers.choices import BillStatus
from province.customers.models import Bill, Customer
from province.loyalty import ledger
from province.loyalty.choices import (
    AdjustmentStatus,
    EntryKind,
    RunStatus,
)
from province.loyalty.earning import (  # noqa: F401  (AccrualRules, rules_for: re-exported)
    ACCRUAL_BOUNDS_SQL,
    AccrualRules,
    accrual_params,
    accrual_sql,
    rules_for,
)
from province.loyalty.models import (
    AccrualRun,
    AdjustmentRequest,
    ExpiryRun,
    LotExtension,
    LoyaltySettings,
    PointsLot,
)
from shared.errors import Conflict

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50_000
BATCH_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':loyalty-batch'))"


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
        params = accrual_params(run.period, rules) | {"entry_seq": _entry_sequence()}
        sql = accrual_sql(rules)
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_BATCH_SETTINGS_SQL)
                cursor.execute(BATCH_LOCK_SQL)
                cursor.execute(
                    ACCRUAL_BOUNDS_SQL,
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

from province.loyalty.redemption import (  # noqa: E402, F401
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
