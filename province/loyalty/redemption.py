"""Points redemption (R2.4.4, R2.4.8, R6.5.1): the catalogue, redeeming, cancelling, and the
daily automatic redemption of points about to lapse. ``services`` re-exports the public
functions; views, the API, tasks and commands call them from there.

Every redemption runs in one transaction that locks the customer's ``PointsAccount`` row
first (the ledger's lock order), so the checks that read the customer's state — available
points, the daily and yearly caps — cannot race another redemption of the same customer.
Stock is taken last with a conditional ``UPDATE … WHERE stock >= quantity``: it holds the
item's row until commit and never oversells, whoever redeems concurrently. A cancellation
takes the same locks in the same order.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from province.customers.choices import CustomerStatus
from province.customers.models import Customer
from province.customers.selectors import arrears_of, open_blacklist_entry
from province.loyalty import ledger
from province.loyalty.choices import EntryKind, RedemptionChannel, RedemptionStatus, RunStatus
from province.loyalty.models import (
    AutoRedemptionRule,
    AutoRedemptionRun,
    PointsAccount,
    Redemption,
    RewardItem,
)
from shared.errors import Conflict

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 90  # the ledger entry's key is "redeem:<key>", at most 100 characters
AUTO_CHUNK_SIZE = 200


# --- what may be redeemed (R2.4.4) -------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) day as aware datetimes: caps count local days."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _year_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date(day.year, 1, 1), time.min))
    return start, timezone.make_aware(datetime.combine(date(day.year + 1, 1, 1), time.min))


@dataclass
class CustomerStanding:
    """What the checks need to know about one customer, read once (no N+1 on the counter)."""

    customer: Customer
    today: date
    available: int
    blacklist_reason: str | None
    arrears: Decimal
    # item id → units of COMPLETED redemptions today / this calendar year
    units_today: dict[int, int] = field(default_factory=dict)
    units_this_year: dict[int, int] = field(default_factory=dict)


def customer_standing(
    customer: Customer, *, today: date | None = None, account: PointsAccount | None = None
) -> CustomerStanding:
    """Read a customer's standing for the redemption checks (under the account lock when
    ``account`` is the locked row, as ``redeem`` does)."""
    today = today or timezone.localdate()
    if account is None:
        account = PointsAccount.objects.filter(customer_id=customer.pk).first()
    available = ledger.usable_points(account, today) if account is not None else 0
    blacklisting = open_blacklist_entry(customer)
    year_start, year_end = _year_bounds(today)
    day_start, day_end = _day_bounds(today)
    units = (
        Redemption.objects.filter(
            customer_id=customer.pk,
            status=RedemptionStatus.COMPLETED,
            redeemed_at__gte=year_start,
            redeemed_at__lt=year_end,
        )
        .values("item_id")
        .annotate(
            year=Sum("quantity"),
            day=Sum("quantity", filter=Q(redeemed_at__gte=day_start, redeemed_at__lt=day_end)),
        )
        .order_by()
    )
    standing = CustomerStanding(
        customer=customer,
        today=today,
        available=max(available, 0),
        blacklist_reason=blacklisting.reason if blacklisting is not None else None,
        arrears=arrears_of(customer, today=today),
    )
    for row in units:
        standing.units_this_year[row["item_id"]] = row["year"] or 0
        standing.units_today[row["item_id"]] = row["day"] or 0
    return standing


def _refusals(standing: CustomerStanding, item: RewardItem, quantity: int) -> Iterator[Conflict]:
    """Every reason ``item`` × ``quantity`` cannot be redeemed, in the order R2.4.4 checks
    them; stock comes last and is checked against the item as read (``redeem`` takes it
    with a conditional UPDATE)."""
    customer, today = standing.customer, standing.today
    if not item.is_active or today < item.valid_from or (item.valid_to and today > item.valid_to):
        yield Conflict(
            _("%(item)s is not available for redemption today.") % {"item": item.name},
            code="item_unavailable",
        )
    if customer.status != CustomerStatus.ACTIVE or customer.merged_into_id is not None:
        yield Conflict(
            _("The customer is not active (%(status)s).")
            % {"status": customer.get_status_display()},
            code="customer_inactive",
        )
    if standing.blacklist_reason is not None:
        yield Conflict(
            _("The customer is blacklisted: %(reason)s") % {"reason": standing.blacklist_reason},
            code="customer_blacklisted",
        )
    if standing.arrears > 0:
        yield Conflict(
            _("The customer has overdue unpaid bills (%(amount)s yuan).")
            % {"amount": standing.arrears},
            code="customer_in_arrears",
        )
    if item.eligible_levels and customer.level not in item.eligible_levels:
        yield Conflict(
            _("%(item)s is not offered to %(level)s customers.")
            % {"item": item.name, "level": customer.get_level_display()},
            code="level_not_eligible",
        )
    if standing.available < item.min_balance:
        yield Conflict(
            _(
                "Redeeming needs at least %(minimum)d available points; the customer has %(available)d."
            )
            % {"minimum": item.min_balance, "available": standing.available},
            code="below_minimum_balance",
        )
    points = quantity * item.points_price
    if standing.available < points:
        yield Conflict(
            _("Only %(available)d points are available; %(points)d are needed.")
            % {"available": standing.available, "points": points},
            code="insufficient_points",
        )
    today_units = standing.units_today.get(item.pk, 0)
    if item.daily_cap is not None and today_units + quantity > item.daily_cap:
        yield Conflict(
            _("At most %(cap)d per day; %(done)d already redeemed today.")
            % {"cap": item.daily_cap, "done": today_units},
            code="daily_cap_exceeded",
        )
    year_units = standing.units_this_year.get(item.pk, 0)
    if item.yearly_cap is not None and year_units + quantity > item.yearly_cap:
        yield Conflict(
            _("At most %(cap)d per year; %(done)d already redeemed this year.")
            % {"cap": item.yearly_cap, "done": year_units},
            code="yearly_cap_exceeded",
        )
    if item.stock is not None and item.stock < quantity:
        yield Conflict(
            _("%(item)s is out of stock (%(stock)d left).")
            % {"item": item.name, "stock": item.stock},
            code="out_of_stock",
        )


def redemption_refusals(
    customer: Customer,
    item: RewardItem,
    quantity: int = 1,
    *,
    standing: CustomerStanding | None = None,
) -> list[str]:
    """Why ``customer`` cannot redeem ``quantity`` × ``item`` now (empty: they can).

    No lock and no write: the counter shows these before the user tries (R6.5.1); ``redeem``
    checks again under the lock. Pass ``standing`` to check many items with one read.
    """
    standing = standing or customer_standing(customer)
    return [str(refusal.message) for refusal in _refusals(standing, item, quantity)]


def _check_quantity(quantity) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationError({"quantity": _("Enter a whole number of at least 1.")})
    return quantity


def _check_key(key) -> str:
    key = (key or "").strip() if isinstance(key, str) else ""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            {
                "idempotency_key": _("Give an idempotency key of 1–%(max)d characters.")
                % {"max": MAX_KEY_LENGTH}
            }
        )
    return key


# --- redeem and cancel (R2.4.4, R6.5.1) --------------------------------------------------


def _earlier(key: str, customer: Customer, item: RewardItem) -> Redemption | None:
    """The redemption already made with ``key``; Conflict if it was for something else."""
    found = Redemption.objects.filter(idempotency_key=key).first()
    if found is not None and (found.customer_id, found.item_id) != (customer.pk, item.pk):
        raise Conflict(
            _("This idempotency key was already used for another redemption."),
            code="idempotency_key_reused",
            fields={"idempotency_key": [key]},
        )
    return found


def _next_redemption_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('loyalty_redemption', 'id'))")
        return cursor.fetchone()[0]


def _take_stock(item: RewardItem, quantity: int) -> None:
    """Decrement the item's stock, never below zero (unlimited stock: nothing to take)."""
    if item.stock is None:
        return
    taken = RewardItem.objects.filter(pk=item.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        left = RewardItem.objects.filter(pk=item.pk).values_list("stock", flat=True).first()
        raise Conflict(
            _("%(item)s is out of stock (%(stock)d left).")
            % {"item": item.name, "stock": left or 0},
            code="out_of_stock",
        )


def _redeem_locked(customer, item, quantity, *, actor, key, channel) -> tuple[Redemption, bool]:
    account = ledger.lock_account(customer.pk)
    found = _earlier(key, customer, item)  # a concurrent call with this key has committed
    if found is not None:
        return found, False
    # Re-read what the checks depend on now that the customer is locked.
    customer = Customer.objects.get(pk=customer.pk)
    item = RewardItem.objects.get(pk=item.pk)
    standing = customer_standing(customer, account=account)
    for refusal in _refusals(standing, item, quantity):
        if refusal.code != "out_of_stock":  # the conditional UPDATE below decides that
            raise refusal
    _take_stock(item, quantity)
    points = quantity * item.points_price
    redemption_id = _next_redemption_id()
    number = f"RD{standing.today:%Y%m%d}{redemption_id:06d}"
    entry = ledger.debit(
        customer.pk,
        points,
        kind=EntryKind.REDEEM,
        idempotency_key=f"redeem:{key}",
        actor=actor,
        reference=number,
        note=f"{item.code} × {quantity}",
    )
    redemption = Redemption(
        pk=redemption_id,
        number=number,
        customer=customer,
        item=item,
        quantity=quantity,
        unit_points=item.points_price,
        points=points,
        cost=item.unit_cost * quantity,
        bill_credit=item.bill_credit_amount * quantity,
        channel=channel,
        idempotency_key=key,
        entry=entry,
        redeemed_at=timezone.now(),
        balance_after=PointsAccount.objects.get(customer_id=customer.pk).balance,
    )
    redemption.stamp(actor)
    redemption.save(force_insert=True)
    return redemption, True


def redeem_once(
    customer: Customer,
    item: RewardItem,
    quantity: int,
    *,
    actor,
    idempotency_key: str,
    channel: str = RedemptionChannel.COUNTER,
) -> tuple[Redemption, bool]:
    """``redeem``, also saying whether this call made the redemption (False: the key's
    earlier one was returned)."""
    quantity = _check_quantity(quantity)
    key = _check_key(idempotency_key)
    if channel not in RedemptionChannel.values:
        raise ValidationError({"channel": _("Choose a valid channel.")})
    found = _earlier(key, customer, item)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return _redeem_locked(
                customer, item, quantity, actor=ledger._actor(actor), key=key, channel=channel
            )
    except IntegrityError:
        # The same key, used at the same moment for another customer, won the race.
        found = _earlier(key, customer, item)
        if found is None:
            raise
        return found, False


def redeem(
    customer: Customer,
    item: RewardItem,
    quantity: int,
    *,
    actor,
    idempotency_key: str,
    channel: str = RedemptionChannel.COUNTER,
) -> Redemption:
    """Redeem ``quantity`` units of ``item`` for ``customer`` (R2.4.4, R6.5.1).

    One transaction: lock the customer's points account, then refuse with ``Conflict``
    (409) naming the first reason — item not available today, customer not active,
    blacklisted (with the reason), in arrears, level not eligible, available points below
    the item's minimum balance or below the price, daily or yearly cap, stock — else take
    the stock, debit the points (soonest-expiring lots first) and record the redemption
    with its number, points, cost and bill credit. ``quantity`` < 1 is a ValidationError.
    The same key again returns the first redemption and writes nothing; a key already used
    for another customer or item is a Conflict.
    """
    return redeem_once(
        customer, item, quantity, actor=actor, idempotency_key=idempotency_key, channel=channel
    )[0]


@transaction.atomic
def cancel_redemption(redemption: Redemption, *, actor, reason: str) -> Redemption:
    """Cancel a redemption (R2.4.4): its points go back to the lots they came from (those
    that lapsed meanwhile stay lapsed: the ledger's reversal), the stock comes back, and
    who, when and why is recorded. Cancelling twice is a Conflict."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the redemption is cancelled.")})
    ledger.lock_account(redemption.customer_id)  # the ledger's lock order: account first
    locked = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if locked.status == RedemptionStatus.CANCELLED:
        raise Conflict(_("This redemption is already cancelled."), code="already_cancelled")
    locked.cancel_entry = ledger.reverse(
        locked.entry,
        idempotency_key=f"redeem-cancel:{locked.pk}",
        actor=actor,
        note=reason,
    )
    RewardItem.objects.filter(pk=locked.item_id, stock__isnull=False).update(
        stock=F("stock") + locked.quantity
    )
    locked.status = RedemptionStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = ledger._actor(actor)
    locked.cancel_reason = reason[:200]
    locked.stamp(actor)
    locked.save()
    return locked


# --- the catalogue (R2.4.4) --------------------------------------------------------------


def _clean_item(item: RewardItem) -> None:
    errors: dict[str, list[str]] = {}
    if item.kind == "bill_credit" and not (item.bill_credit_amount or 0) > 0:
        errors["bill_credit_amount"] = [_("A bill credit item needs the amount it credits.")]
    for name in ("daily_cap", "yearly_cap"):
        value = getattr(item, name)
        if value is not None and value < 1:
            errors[name] = [_("A cap is at least 1; leave it empty for no cap.")]
    if item.daily_cap and item.yearly_cap and item.daily_cap > item.yearly_cap:
        errors["daily_cap"] = [_("The daily cap cannot exceed the yearly cap.")]
    if item.valid_to and item.valid_from and item.valid_to < item.valid_from:
        errors["valid_to"] = [_("An item cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)
    item.full_clean()


@transaction.atomic
def save_reward_item(item: RewardItem | None = None, *, actor, **fields) -> RewardItem:
    """Create or change a catalogue item (R2.4.4); field errors as ValidationError."""
    item = item or RewardItem()
    for name, value in fields.items():
        setattr(item, name, value)
    _clean_item(item)
    item.stamp(actor)
    item.save()
    return item


@transaction.atomic
def deactivate_reward_item(item: RewardItem, *, actor) -> RewardItem:
    """Take an item out of the catalogue; its redemptions stay (R2.4.4)."""
    item = RewardItem.objects.select_for_update().get(pk=item.pk)
    item.is_active = False
    item.stamp(actor)
    item.save()
    return item


@transaction.atomic
def save_auto_redemption_rule(
    rule: AutoRedemptionRule | None = None, *, actor, **fields
) -> AutoRedemptionRule:
    """Create or change an automatic redemption rule (R2.4.8)."""
    rule = rule or AutoRedemptionRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.stamp(actor)
    rule.save()
    return rule


# --- automatic redemption (R2.4.8) -------------------------------------------------------

# Per active rule, the customers whose open, still valid lots expiring within the rule's
# days come to at least max(minimum points, one unit's price): one grouped statement.
_CANDIDATES_SQL = """
SELECT r.id, l.customer_id, sum(l.remaining)::bigint AS expiring, i.points_price
FROM loyalty_autoredemptionrule r
JOIN loyalty_rewarditem i ON i.id = r.item_id
JOIN loyalty_pointslot l
  ON NOT l.expired AND l.remaining > 0
 AND l.expires_at >= %(as_of)s AND l.expires_at <= %(as_of)s + r.days_ahead
WHERE r.is_active
GROUP BY r.id, l.customer_id, r.min_points, i.points_price
HAVING sum(l.remaining) >= GREATEST(r.min_points, i.points_price)
ORDER BY r.id, l.customer_id
"""


@dataclass(frozen=True)
class AutoCandidate:
    rule_id: int
    customer_id: int
    expiring: int
    price: int

    @property
    def units(self) -> int:
        return self.expiring // self.price


def auto_redemption_candidates(as_of: date) -> list[AutoCandidate]:
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, {"as_of": as_of})
        return [AutoCandidate(*row) for row in cursor.fetchall()]


def start_auto_redemption(as_of: date | None = None, *, actor=None) -> AutoRedemptionRun:
    """Create today's run (Conflict if one is running); ``execute_auto_redemption`` works it."""
    as_of = as_of or timezone.localdate()
    try:
        with transaction.atomic():
            return AutoRedemptionRun.objects.create(as_of=as_of, started_by=ledger._actor(actor))
    except IntegrityError as exc:
        raise Conflict(
            _("An automatic redemption run is already in progress."), code="run_in_progress"
        ) from exc


def execute_auto_redemption(
    run_id: int,
    *,
    chunk_size: int = AUTO_CHUNK_SIZE,
    on_progress: Callable[[AutoRedemptionRun], None] | None = None,
) -> AutoRedemptionRun:
    """Redeem, for every candidate, floor(expiring / price) units of the rule's item
    (channel automatic, key ``auto:<rule>:<customer>:<as_of>``: a re-run of the same day
    redeems nothing twice). Refused customers are skipped and counted, not fatal."""
    run = AutoRedemptionRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    try:
        candidates = auto_redemption_candidates(run.as_of)
        AutoRedemptionRun.objects.filter(pk=run.pk).update(
            total=len(candidates), done=0, updated_at=timezone.now()
        )
        rules = {
            rule.pk: rule
            for rule in AutoRedemptionRule.objects.filter(
                pk__in={c.rule_id for c in candidates}
            ).select_related("item")
        }
        customers = Customer.objects.in_bulk({c.customer_id for c in candidates})
        for start in range(0, len(candidates), chunk_size):
            redeemed = skipped = points = 0
            for candidate in candidates[start : start + chunk_size]:
                rule = rules[candidate.rule_id]
                try:
                    redemption, made = redeem_once(
                        customers[candidate.customer_id],
                        rule.item,
                        candidate.units,
                        actor=None,
                        idempotency_key=f"auto:{rule.pk}:{candidate.customer_id}:{run.as_of}",
                        channel=RedemptionChannel.AUTOMATIC,
                    )
                except (Conflict, ValidationError) as exc:
                    skipped += 1
                    logger.info("Auto redemption skipped %s: %s", candidate, exc)
                    continue
                if made:
                    redeemed += 1
                    points += redemption.points
                else:
                    skipped += 1
            AutoRedemptionRun.objects.filter(pk=run.pk).update(
                done=F("done") + min(chunk_size, len(candidates) - start),
                redeemed=F("redeemed") + redeemed,
                skipped=F("skipped") + skipped,
                points_redeemed=F("points_redeemed") + points,
                updated_at=timezone.now(),
            )
            run.refresh_from_db()
            if on_progress is not None:
                on_progress(run)
        AutoRedemptionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
    except Exception as exc:
        logger.exception("Automatic redemption run %s failed", run.pk)
        AutoRedemptionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def run_auto_redemption(
    as_of: date | None = None, *, actor=None, chunk_size: int = AUTO_CHUNK_SIZE
) -> AutoRedemptionRun:
    """Start and execute the automatic redemption here (the command's ``--sync``, tests)."""
    run = start_auto_redemption(as_of, actor=actor)
    return execute_auto_redemption(run.pk, chunk_size=chunk_size)
