"""Redemption services (R2.4.4, R2.4.8, R6.5.1): redeem with every refusal writing nothing,
idempotency, cancellation, the refusals the counter shows, the blacklist, and the daily
automatic redemption."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from province.customers import services as customer_services
from province.customers.models import Customer
from province.loyalty import services
from province.loyalty.choices import EntryKind, RedemptionChannel, RedemptionStatus, RunStatus
from province.loyalty.models import (
    AutoRedemptionRule,
    PointsAccount,
    PointsEntry,
    PointsLot,
    Redemption,
    RewardItem,
)
from shared.errors import Conflict
from tests.factories import make_account, make_bill, make_customer, make_org
from tests.province.loyalty.loyalty_helpers import earn
from tests.province.loyalty.redemption_helpers import make_item, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(bj):
    org = make_org()
    org.customer = make_customer(org.manager_a, level="gold")
    org.soon = earn(org.customer, 300, expires_in_days=10, key="soon")
    org.late = earn(org.customer, 2000, expires_in_days=400, key="late")
    return org


def balance(customer) -> int:
    return PointsAccount.objects.get(customer=customer).balance


def redeem(org, item, quantity=1, key="k1", **kwargs):
    return services.redeem(
        org.customer, item, quantity, actor=org.manager_a.user, idempotency_key=key, **kwargs
    )


# --- redeem (R2.4.4, R6.5.1) -------------------------------------------------------------


def test_r2_4_4_redeem_debits_soonest_lots_takes_stock_and_records_the_redemption(org):
    item = make_item(
        points_price=200,
        unit_cost=Decimal("12.50"),
        kind="bill_credit",
        bill_credit_amount=Decimal("20.00"),
        stock=5,
    )
    redemption = redeem(org, item, 2)

    assert redemption.status == RedemptionStatus.COMPLETED
    assert redemption.channel == RedemptionChannel.COUNTER
    assert redemption.number.startswith("RD" + timezone.localdate().strftime("%Y%m%d"))
    assert (redemption.quantity, redemption.unit_points, redemption.points) == (2, 200, 400)
    assert redemption.cost == Decimal("25.00")
    assert redemption.bill_credit == Decimal("40.00")
    assert redemption.balance_after == 2300 - 400 == balance(org.customer)
    assert redemption.created_by == org.manager_a.user
    assert redemption.entry.kind == EntryKind.REDEEM and redemption.entry.points == -400
    assert redemption.entry.reference == redemption.number
    # soonest expiry first: the 300-point lot is used up, 100 from the late one
    assert PointsLot.objects.get(entry=org.soon).remaining == 0
    assert PointsLot.objects.get(entry=org.late).remaining == 1900
    assert RewardItem.objects.get(pk=item.pk).stock == 3


def test_r2_4_4_unlimited_stock_stays_unlimited(org):
    item = make_item(stock=None)
    redeem(org, item, 3)
    assert RewardItem.objects.get(pk=item.pk).stock is None


def _arrears(customer):
    account = make_account(customer)
    make_bill(account, date(2024, 1, 1), 100, amount_paid=40)


REFUSALS = {
    "item_unavailable": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        is_active=False
    ),
    "item_not_yet_valid": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        valid_from=timezone.localdate() + timedelta(days=1)
    ),
    "item_expired": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        valid_from=date(2020, 1, 1), valid_to=timezone.localdate() - timedelta(days=1)
    ),
    "customer_inactive": lambda org, item: Customer.objects.filter(pk=org.customer.pk).update(
        status="suspended"
    ),
    "customer_blacklisted": lambda org, item: customer_services.blacklist_customer(
        org.customer, actor=org.supervisor_a.user, reason="Fraudulent claims"
    ),
    "customer_in_arrears": lambda org, item: _arrears(org.customer),
    "level_not_eligible": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        eligible_levels=["diamond"]
    ),
    "below_minimum_balance": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        min_balance=5000
    ),
    "insufficient_points": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(
        points_price=3000
    ),
    "out_of_stock": lambda org, item: RewardItem.objects.filter(pk=item.pk).update(stock=0),
}
CODES = {"item_not_yet_valid": "item_unavailable", "item_expired": "item_unavailable"}


@pytest.mark.parametrize("reason", list(REFUSALS))
def test_r2_4_4_each_refusal_is_a_conflict_naming_the_reason_and_writes_nothing(org, reason):
    item = make_item(stock=10)
    REFUSALS[reason](org, item)
    before = snapshot(item)
    with pytest.raises(Conflict) as refused:
        redeem(org, item)
    assert refused.value.code == CODES.get(reason, reason)
    assert snapshot(item) == before
    assert balance(org.customer) == 2300
    if reason == "customer_blacklisted":
        assert "Fraudulent claims" in str(refused.value.message)


def test_r2_4_4_refusals_are_checked_in_the_stated_order(org):
    item = make_item(stock=0, eligible_levels=["diamond"])
    customer_services.blacklist_customer(org.customer, actor=org.admin.user, reason="X")
    _arrears(org.customer)
    with pytest.raises(Conflict) as refused:
        redeem(org, item)
    assert refused.value.code == "customer_blacklisted"
    # the counter lists every reason, in the same order
    reasons = services.redemption_refusals(org.customer, item, 1)
    assert len(reasons) == 4
    assert "blacklisted" in reasons[0] and "out of stock" in reasons[-1]
    assert services.redemption_refusals(org.customer, make_item(), 1) != []  # still blacklisted


def test_r2_4_4_daily_and_yearly_caps_count_completed_units(org):
    item = make_item(points_price=10, daily_cap=3, yearly_cap=5)
    redeem(org, item, 2, key="a")
    before = snapshot(item)
    with pytest.raises(Conflict) as refused:
        redeem(org, item, 2, key="b")
    assert refused.value.code == "daily_cap_exceeded" and snapshot(item) == before
    redeem(org, item, 1, key="c")
    # Earlier this year (not today): counts for the yearly cap only.
    Redemption.objects.filter(idempotency_key__in=["a", "c"]).update(
        redeemed_at=timezone.now() - timedelta(days=1)
        if timezone.localdate().timetuple().tm_yday > 1
        else timezone.now()
    )
    if timezone.localdate().timetuple().tm_yday > 1:
        redeem(org, item, 2, key="d")  # 3 + 2 = 5 this year, 2 today
        with pytest.raises(Conflict) as refused:
            redeem(org, item, 1, key="e")
        assert refused.value.code == "yearly_cap_exceeded"
        # a cancelled redemption no longer counts
        services.cancel_redemption(
            Redemption.objects.get(idempotency_key="d"), actor=org.admin.user, reason="Mistake"
        )
        redeem(org, item, 1, key="f")


def test_r2_4_4_quantity_below_one_is_a_field_error(org):
    item = make_item()
    for quantity in (0, -1, "2", True):
        with pytest.raises(ValidationError) as invalid:
            redeem(org, item, quantity)
        assert "quantity" in invalid.value.message_dict
    assert Redemption.objects.count() == 0


def test_r2_4_4_the_same_key_twice_redeems_once(org):
    item = make_item(stock=5)
    first = redeem(org, item, 1, key="same")
    entries = PointsEntry.objects.count()
    again = redeem(org, item, 1, key="same")
    assert again.pk == first.pk
    assert PointsEntry.objects.count() == entries and Redemption.objects.count() == 1
    assert RewardItem.objects.get(pk=item.pk).stock == 4
    # reused for another item or customer: refused
    with pytest.raises(Conflict) as reused:
        redeem(org, make_item(), 1, key="same")
    assert reused.value.code == "idempotency_key_reused"
    other = make_customer(org.manager_a)
    earn(other, 500, expires_in_days=100, key="other")
    with pytest.raises(Conflict):
        services.redeem(other, item, 1, actor=None, idempotency_key="same")
    with pytest.raises(ValidationError):
        redeem(org, item, 1, key="")


# --- cancel (R2.4.4) ---------------------------------------------------------------------


def test_r2_4_4_cancel_returns_points_to_their_lots_and_restores_stock(org):
    item = make_item(points_price=400, stock=3)
    redemption = redeem(org, item)
    services.cancel_redemption(redemption, actor=org.supervisor_a.user, reason="Wrong gift")
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert redemption.cancelled_by == org.supervisor_a.user and redemption.cancelled_at
    assert redemption.cancel_reason == "Wrong gift"
    assert redemption.cancel_entry.kind == EntryKind.REVERSE
    assert redemption.cancel_entry.points == 400
    assert PointsLot.objects.get(entry=org.soon).remaining == 300
    assert PointsLot.objects.get(entry=org.late).remaining == 2000
    assert RewardItem.objects.get(pk=item.pk).stock == 3
    assert balance(org.customer) == 2300

    with pytest.raises(Conflict) as twice:
        services.cancel_redemption(redemption, actor=org.admin.user, reason="Again")
    assert twice.value.code == "already_cancelled"
    with pytest.raises(ValidationError):
        services.cancel_redemption(redeem(org, item, key="k2"), actor=org.admin.user, reason=" ")


def test_r2_4_4_cancel_leaves_lapsed_points_lapsed(org):
    item = make_item(points_price=400)
    redemption = redeem(org, item)  # 300 from "soon", 100 from "late"
    PointsLot.objects.filter(entry=org.soon).update(expires_at=timezone.localdate() - timedelta(1))
    services.cancel_redemption(redemption, actor=org.admin.user, reason="Returned")
    redemption.refresh_from_db()
    assert redemption.cancel_entry.points == 100
    assert PointsLot.objects.get(entry=org.soon).remaining == 0
    assert PointsLot.objects.get(entry=org.late).remaining == 2000


# --- catalogue validation (R2.4.4) -------------------------------------------------------


def test_r2_4_4_catalogue_item_rules_are_field_errors(bj):
    base = {"code": "BC1", "name": "Credit", "points_price": 100, "valid_from": date(2025, 1, 1)}
    with pytest.raises(ValidationError) as invalid:
        services.save_reward_item(actor=None, kind="bill_credit", **base)
    assert "bill_credit_amount" in invalid.value.message_dict
    with pytest.raises(ValidationError) as invalid:
        services.save_reward_item(actor=None, kind="gift", daily_cap=0, **base)
    assert "daily_cap" in invalid.value.message_dict
    with pytest.raises(ValidationError) as invalid:
        services.save_reward_item(actor=None, kind="gift", daily_cap=5, yearly_cap=2, **base)
    assert "daily_cap" in invalid.value.message_dict
    assert RewardItem.objects.count() == 0
    item = services.save_reward_item(
        actor=None, kind="bill_credit", bill_credit_amount=Decimal("10"), **base
    )
    assert services.deactivate_reward_item(item, actor=None).is_active is False


# --- blacklist (R2.4.4) ------------------------------------------------------------------


def test_r2_4_4_blacklist_once_then_lift(org):
    supervisor = org.supervisor_a.user
    with pytest.raises(ValidationError):
        customer_services.blacklist_customer(org.customer, actor=supervisor, reason=" ")
    entry = customer_services.blacklist_customer(org.customer, actor=supervisor, reason="Fraud")
    assert entry.is_open and entry.listed_by == supervisor
    with pytest.raises(Conflict):
        customer_services.blacklist_customer(org.customer, actor=supervisor, reason="Again")
    with pytest.raises(ValidationError):
        customer_services.lift_blacklist(org.customer, actor=supervisor, reason="")
    lifted = customer_services.lift_blacklist(org.customer, actor=supervisor, reason="Cleared")
    assert lifted.pk == entry.pk and lifted.lifted_by == supervisor and not lifted.is_open
    with pytest.raises(Conflict):
        customer_services.lift_blacklist(org.customer, actor=supervisor, reason="Cleared")
    # listed again later: a second entry
    customer_services.blacklist_customer(org.customer, actor=supervisor, reason="Again")
    assert org.customer.blacklist_entries.count() == 2


# --- automatic redemption (R2.4.8) -------------------------------------------------------


def test_r2_4_8_auto_redemption_converts_expiring_points_once_a_day(org):
    credit = make_item(
        code="AUTO", kind="bill_credit", bill_credit_amount=Decimal("1.00"), points_price=100
    )
    AutoRedemptionRule.objects.create(name="Expiring → bill credit", item=credit, days_ahead=30)
    # a second customer, blacklisted: skipped and counted
    refused = make_customer(org.manager_b)
    earn(refused, 250, expires_in_days=5, key="refused")
    customer_services.blacklist_customer(refused, actor=org.admin.user, reason="Fraud")
    # a third, whose expiring points buy less than one unit: not a candidate
    small = make_customer(org.manager_b)
    earn(small, 99, expires_in_days=5, key="small")

    run = services.run_auto_redemption()
    assert run.status == RunStatus.DONE
    assert (run.total, run.redeemed, run.skipped) == (2, 1, 1)
    redemption = Redemption.objects.get(customer=org.customer)
    assert redemption.channel == RedemptionChannel.AUTOMATIC
    assert (redemption.quantity, redemption.points) == (3, 300)  # floor(300 / 100)
    assert redemption.idempotency_key.startswith(f"auto:{AutoRedemptionRule.objects.get().pk}:")
    assert run.points_redeemed == 300
    assert PointsLot.objects.get(entry=org.soon).remaining == 0

    again = services.run_auto_redemption()
    assert again.redeemed == 0 and Redemption.objects.count() == 1


def test_r2_4_8_auto_redeem_command(org):
    item = make_item(points_price=50)
    AutoRedemptionRule.objects.create(name="R", item=item, days_ahead=30, min_points=100)
    call_command("auto_redeem", "--province", "bj", "--sync", verbosity=0)
    assert Redemption.objects.get().quantity == 6
