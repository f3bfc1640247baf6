"""Ledger primitives (R2.4.1, DESIGN.md §5): the only Python code that writes points entries.

Every primitive:

- is idempotent by key: the key is looked up first, and again once the customer's account
  row is locked (a concurrent call with the same key has committed by then), and a unique
  violation on the key (the same key used concurrently for another customer) is answered
  with the entry that won. The same key twice returns the FIRST entry and writes nothing.
- runs in one transaction and touches one customer, locking that customer's account row
  first (``SELECT … FOR UPDATE``). Every writer of a customer's lots holds that lock — the
  set-based expiry run too, which locks accounts in id order before touching lots — so
  lots need no locks of their own and no two writers can deadlock.

Points: ``balance`` = Σ remainders of the customer's open lots; ``held`` ⊆ balance is what
holds reserve; a debit or hold may use ``usable`` = Σ remainders of open lots that have not
lapsed (expires_at ≥ today) − held. Lapsed lots that the expiry run has not reached yet are
thus never spent by a debit; only capturing an earlier hold may consume them (the hold
reserved those points while they were valid).
"""

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from province.customers.models import Customer
from province.loyalty.choices import (
    ALLOCATING_DEBIT_KINDS,
    LOT_CREDIT_KINDS,
    EntryKind,
)
from province.loyalty.models import (
    EarningRule,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsLot,
    ValidityPolicy,
)
from shared.errors import Conflict

DEFAULT_YEARS_AFTER = 2


def expiry_for(earned_on: date) -> date:
    """The last valid day of points earned on ``earned_on`` under the active policy (R2.4.3)."""
    policy = ValidityPolicy.objects.filter(is_active=True).first()
    years = policy.years_after if policy is not None else DEFAULT_YEARS_AFTER
    return date(earned_on.year + years, 12, 31)


def _customer_id(customer: Customer | int) -> int:
    return customer if isinstance(customer, int) else customer.pk


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _check_points(points) -> int:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ValidationError({"points": _("Enter a whole number of points greater than zero.")})
    return points


def _check_key(key: str) -> str:
    if not key or len(key) > 100:
        raise ValidationError(
            {"idempotency_key": _("Give an idempotency key of 1–100 characters.")}
        )
    return key


def lock_account(customer_id: int) -> PointsAccount:
    """The customer's account row, created if missing, locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO loyalty_pointsaccount (customer_id) VALUES (%s) "
            "ON CONFLICT (customer_id) DO NOTHING",
            [customer_id],
        )
    return PointsAccount.objects.select_for_update().get(customer_id=customer_id)


def _existing(key: str, customer_id: int) -> PointsEntry | None:
    entry = PointsEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.customer_id != customer_id:
        raise Conflict(
            _("This idempotency key was already used for another customer."),
            code="idempotency_key_reused",
            fields={"idempotency_key": [key]},
        )
    return entry


def _once(key: str, customer_id: int, write: Callable[[PointsAccount], PointsEntry]) -> PointsEntry:
    """Run ``write`` under the account lock unless ``key`` was already posted."""
    _check_key(key)
    found = _existing(key, customer_id)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            account = lock_account(customer_id)
            found = _existing(key, customer_id)
            if found is not None:
                return found
            return write(account)
    except IntegrityError:
        found = _existing(key, customer_id)
        if found is None:
            raise
        return found


def _usable(account: PointsAccount, today: date) -> int:
    valid = PointsLot.objects.filter(
        customer_id=account.customer_id, expired=False, remaining__gt=0, expires_at__gte=today
    ).aggregate(s=Sum("remaining"))["s"]
    return (valid or 0) - account.held


def usable_points(account: PointsAccount, today: date | None = None) -> int:
    """What a debit or hold of this account may use now (see the module docstring)."""
    return _usable(account, today or timezone.localdate())


def _refuse_short(usable: int, points: int) -> None:
    raise Conflict(
        _("Only %(usable)d points are available; %(points)d were asked for.")
        % {"usable": max(usable, 0), "points": points},
        code="insufficient_points",
        fields={"points": [str(points)], "available": [str(max(usable, 0))]},
    )


def _new_entry(account: PointsAccount, kind: str, points: int, key: str, **fields) -> PointsEntry:
    entry = PointsEntry(
        kind=kind,
        customer_id=account.customer_id,
        points=points,
        idempotency_key=key,
        **fields,
    )
    entry.save(force_insert=True)
    return entry


def _save_account(account: PointsAccount) -> None:
    account.updated_at = timezone.now()
    account.save(update_fields=["balance", "held", "updated_at"])


def _consume(entry: PointsEntry, points: int, *, include_lapsed: bool, today: date) -> None:
    """Allocate ``points`` of ``entry`` to open lots, soonest expiry first (R2.4.1)."""
    lots = PointsLot.objects.filter(
        customer_id=entry.customer_id, expired=False, remaining__gt=0
    ).order_by("expires_at", "id")
    if not include_lapsed:
        lots = lots.filter(expires_at__gte=today)
    left, changed, allocations = points, [], []
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        changed.append(lot)
        allocations.append(PointsAllocation(entry=entry, lot=lot, points=take))
    if left:  # the caller checked availability under the lock; this is a broken invariant
        raise RuntimeError(f"lots of customer {entry.customer_id} short by {left} points")
    PointsLot.objects.bulk_update(changed, ["remaining"])
    PointsAllocation.objects.bulk_create(allocations)


def credit(
    customer: Customer | int,
    points: int,
    *,
    kind: str,
    idempotency_key: str,
    expires_at: date | None = None,
    earned_on: date | None = None,
    actor=None,
    reference: str = "",
    rule: EarningRule | None = None,
    note: str = "",
) -> PointsEntry:
    """Credit ``points`` as a new lot expiring on ``expires_at`` (default: validity policy)."""
    _check_points(points)
    if kind not in LOT_CREDIT_KINDS:
        raise ValidationError({"kind": _("This kind of entry cannot credit points.")})
    customer_id = _customer_id(customer)
    earned_on = earned_on or timezone.localdate()
    expires_at = expires_at or expiry_for(earned_on)
    if expires_at < earned_on:
        raise ValidationError({"expires_at": _("Points cannot expire before they are earned.")})

    def write(account: PointsAccount) -> PointsEntry:
        entry = _new_entry(
            account,
            kind,
            points,
            idempotency_key,
            reference=reference,
            rule=rule,
            note=note[:200],
            created_by=_actor(actor),
        )
        PointsLot.objects.create(
            entry=entry,
            customer_id=customer_id,
            points=points,
            remaining=points,
            earned_on=earned_on,
            expires_at=expires_at,
        )
        account.balance += points
        _save_account(account)
        return entry

    return _once(idempotency_key, customer_id, write)


def debit(
    customer: Customer | int,
    points: int,
    *,
    kind: str,
    idempotency_key: str,
    actor=None,
    reference: str = "",
    note: str = "",
) -> PointsEntry:
    """Debit ``points`` from the soonest-expiring valid lots; Conflict (409) if too few."""
    _check_points(points)
    if kind not in ALLOCATING_DEBIT_KINDS:
        raise ValidationError({"kind": _("This kind of entry cannot debit points.")})
    customer_id = _customer_id(customer)

    def write(account: PointsAccount) -> PointsEntry:
        today = timezone.localdate()
        usable = _usable(account, today)
        if usable < points:
            _refuse_short(usable, points)
        entry = _new_entry(
            account,
            kind,
            -points,
            idempotency_key,
            reference=reference,
            note=note[:200],
            created_by=_actor(actor),
        )
        _consume(entry, points, include_lapsed=False, today=today)
        account.balance -= points
        _save_account(account)
        return entry

    return _once(idempotency_key, customer_id, write)


def hold(
    customer: Customer | int,
    points: int,
    *,
    idempotency_key: str,
    actor=None,
    reference: str = "",
    note: str = "",
) -> PointsEntry:
    """Reserve ``points`` of the usable points (e.g. a cross-province redemption, R6.5.1).

    No lot is consumed: ``held`` grows, and ``capture`` or ``release`` settles the hold.
    """
    _check_points(points)
    customer_id = _customer_id(customer)

    def write(account: PointsAccount) -> PointsEntry:
        usable = _usable(account, timezone.localdate())
        if usable < points:
            _refuse_short(usable, points)
        entry = _new_entry(
            account,
            EntryKind.HOLD,
            -points,
            idempotency_key,
            reference=reference,
            note=note[:200],
            created_by=_actor(actor),
        )
        account.held += points
        _save_account(account)
        return entry

    return _once(idempotency_key, customer_id, write)


def _open_hold(hold_entry: PointsEntry) -> PointsEntry:
    if hold_entry.kind != EntryKind.HOLD:
        raise Conflict(_("Only a hold can be released or captured."), code="not_a_hold")
    if PointsEntry.objects.filter(settles=hold_entry).exists():
        raise Conflict(_("This hold was already released or captured."), code="hold_settled")
    return hold_entry


def release(
    hold_entry: PointsEntry, *, idempotency_key: str, actor=None, note: str = ""
) -> PointsEntry:
    """Give held points back to the available points."""

    def write(account: PointsAccount) -> PointsEntry:
        _open_hold(hold_entry)
        entry = _new_entry(
            account,
            EntryKind.RELEASE,
            -hold_entry.points,
            idempotency_key,
            reference=hold_entry.reference,
            settles=hold_entry,
            note=note[:200],
            created_by=_actor(actor),
        )
        account.held += hold_entry.points
        _save_account(account)
        return entry

    return _once(idempotency_key, hold_entry.customer_id, write)


def capture(
    hold_entry: PointsEntry,
    *,
    idempotency_key: str,
    actor=None,
    kind: str = EntryKind.REDEEM,
    note: str = "",
) -> PointsEntry:
    """Turn a hold into a debit: a release (key ``<key>:release``) and the debit itself.

    The debit may consume lots that lapsed after the hold was taken: the hold reserved
    them while they were valid, and the constraint ``held ≤ balance`` guarantees they exist.
    """
    if kind not in ALLOCATING_DEBIT_KINDS:
        raise ValidationError({"kind": _("This kind of entry cannot debit points.")})

    def write(account: PointsAccount) -> PointsEntry:
        _open_hold(hold_entry)
        points = -hold_entry.points
        _new_entry(
            account,
            EntryKind.RELEASE,
            points,
            f"{idempotency_key}:release"[:100],
            reference=hold_entry.reference,
            settles=hold_entry,
            note=note[:200],
            created_by=_actor(actor),
        )
        entry = _new_entry(
            account,
            kind,
            -points,
            idempotency_key,
            reference=hold_entry.reference,
            note=note[:200],
            created_by=_actor(actor),
        )
        _consume(entry, points, include_lapsed=True, today=timezone.localdate())
        account.held -= points
        account.balance -= points
        _save_account(account)
        return entry

    return _once(idempotency_key, hold_entry.customer_id, write)


def reverse(entry: PointsEntry, *, idempotency_key: str, actor=None, note: str = "") -> PointsEntry:
    """Post the compensating entry of a credit or a debit (R2.4.1).

    - A debit's points go back to the lots it consumed, except to lots that have lapsed
      meanwhile (expired, or past their expiry date): that share is NOT returned, as the
      points would have expired anyway. The reversal may therefore be smaller than the
      debit, even zero; it still marks the debit as reversed.
    - A credit is taken back from its lot, which must be untouched (nothing consumed or
      expired) and must not be needed by a hold; otherwise Conflict.
    - Holds are settled with ``release``/``capture``; expiries, reversals and releases are
      not reversible (an expiry is undone by extending the lot before the run).
    """

    def write(account: PointsAccount) -> PointsEntry:
        if entry.kind in (EntryKind.HOLD, EntryKind.RELEASE, EntryKind.EXPIRE, EntryKind.REVERSE):
            raise Conflict(
                _("A %(kind)s entry cannot be reversed.") % {"kind": entry.get_kind_display()},
                code="not_reversible",
            )
        if PointsEntry.objects.filter(reverses=entry).exists():
            raise Conflict(_("This entry was already reversed."), code="already_reversed")
        fields = {
            "reverses": entry,
            "reference": entry.reference,
            "note": note[:200],
            "created_by": _actor(actor),
        }
        if entry.points > 0:
            lot = PointsLot.objects.get(entry=entry)
            if lot.expired or lot.remaining != lot.points:
                raise Conflict(
                    _("These points were already used or expired; the credit cannot be reversed."),
                    code="lot_consumed",
                )
            if account.available < lot.points:
                raise Conflict(
                    _("These points are held for a redemption; release the hold first."),
                    code="points_held",
                )
            compensating = _new_entry(
                account, EntryKind.REVERSE, -lot.points, idempotency_key, **fields
            )
            PointsAllocation.objects.create(entry=compensating, lot=lot, points=lot.points)
            lot.remaining = 0
            lot.save(update_fields=["remaining"])
            account.balance -= lot.points
        else:
            today = timezone.localdate()
            returned = []
            for allocation in entry.allocations.select_related("lot").order_by("id"):
                lot = allocation.lot
                if lot.expired or lot.expires_at < today:
                    continue
                lot.remaining += allocation.points
                returned.append((lot, allocation.points))
            total = sum(points for _lot, points in returned)
            compensating = _new_entry(account, EntryKind.REVERSE, total, idempotency_key, **fields)
            PointsLot.objects.bulk_update([lot for lot, _points in returned], ["remaining"])
            PointsAllocation.objects.bulk_create(
                PointsAllocation(entry=compensating, lot=lot, points=points)
                for lot, points in returned
            )
            account.balance += total
        _save_account(account)
        return compensating

    return _once(idempotency_key, entry.customer_id, write)
