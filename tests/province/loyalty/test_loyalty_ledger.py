"""The points ledger primitives (R2.4.1): lots, allocations, idempotency, refusals,
reversals, holds."""

import pytest
from django.core.exceptions import ValidationError
from loyalty_helpers import days, earn

from province.loyalty import ledger
from province.loyalty.choices import EntryKind
from province.loyalty.models import PointsAccount, PointsAllocation, PointsEntry, PointsLot
from province.loyalty.services import expire_points
from shared.errors import Conflict
from tests.factories import make_customer, make_org


@pytest.fixture
def customer(bj):
    return make_customer(make_org().manager_a)


def remaining(*entries) -> list[int]:
    return [PointsLot.objects.get(entry=e).remaining for e in entries]


def account(customer) -> PointsAccount:
    return PointsAccount.objects.get(customer=customer)


def test_r2_4_1_debit_consumes_soonest_expiring_lots_first(customer):
    late = earn(customer, 300, expires_in_days=400)
    soon = earn(customer, 100, expires_in_days=10)
    middle = earn(customer, 200, expires_in_days=100)

    redeem = ledger.debit(customer, 250, kind=EntryKind.REDEEM, idempotency_key="r1")

    # 100 from the lot expiring in 10 days, then 150 of the one in 100 days
    assert remaining(soon, middle, late) == [0, 50, 300]
    assert redeem.points == -250
    assert sorted(redeem.allocations.values_list("lot__entry_id", "points")) == sorted(
        [(soon.pk, 100), (middle.pk, 150)]
    )
    assert account(customer).balance == 350

    ledger.debit(customer, 100, kind=EntryKind.PENALTY, idempotency_key="r2")
    assert remaining(soon, middle, late) == [0, 0, 250]
    assert account(customer).balance == 250


def test_r2_4_1_same_key_twice_returns_the_first_entry_and_writes_nothing(customer):
    first = earn(customer, 100, expires_in_days=30, key="bill:1:earn")
    again = ledger.credit(customer, 999, kind=EntryKind.EARN, idempotency_key="bill:1:earn")
    assert again.pk == first.pk and again.points == 100
    debit = ledger.debit(customer, 40, kind=EntryKind.REDEEM, idempotency_key="redeem:1")
    counts = (PointsEntry.objects.count(), PointsAllocation.objects.count())
    assert ledger.debit(customer, 40, kind=EntryKind.REDEEM, idempotency_key="redeem:1") == debit
    assert (PointsEntry.objects.count(), PointsAllocation.objects.count()) == counts
    assert account(customer).balance == 60


def test_r2_4_1_key_of_another_customer_is_a_conflict(customer):
    other = make_customer(customer.account_manager)
    earn(customer, 10, expires_in_days=30, key="k")
    with pytest.raises(Conflict):
        earn(other, 10, expires_in_days=30, key="k")


def test_r2_4_1_debit_beyond_available_is_a_conflict_and_writes_nothing(customer):
    earn(customer, 100, expires_in_days=30)
    ledger.hold(customer, 30, idempotency_key="h1")
    entries = PointsEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        ledger.debit(customer, 71, kind=EntryKind.REDEEM, idempotency_key="too-much")
    assert refused.value.code == "insufficient_points"
    assert PointsEntry.objects.count() == entries
    assert (account(customer).balance, account(customer).held) == (100, 30)
    with pytest.raises(ValidationError):
        ledger.debit(customer, -5, kind=EntryKind.REDEEM, idempotency_key="negative")


def test_r2_4_1_lapsed_lots_are_not_spent(customer):
    earn(customer, 100, expires_in_days=-1)  # lapsed, not yet reached by the expiry run
    with pytest.raises(Conflict):
        ledger.debit(customer, 1, kind=EntryKind.REDEEM, idempotency_key="x")


def test_r2_4_1_reversing_a_debit_returns_points_to_its_lots_except_expired_ones(customer):
    soon = earn(customer, 100, expires_in_days=5)
    short = earn(customer, 30, expires_in_days=6)
    late = earn(customer, 200, expires_in_days=300)
    redeem = ledger.debit(customer, 180, kind=EntryKind.REDEEM, idempotency_key="r")
    # soonest first: 100 from soon, 30 from short, 50 from late
    assert remaining(soon, short, late) == [0, 0, 150]
    # a plain reversal: the points go back to the lot they came from
    small = ledger.debit(customer, 20, kind=EntryKind.REDEEM, idempotency_key="small")
    assert remaining(late) == [130]
    ledger.reverse(small, idempotency_key="small:reverse")
    assert remaining(late) == [150]

    # An expiry run as of 10 days from now: soon and short are empty, nothing to post; a
    # fourth lot with points left lapses and is expired.
    lapsing = earn(customer, 40, expires_in_days=7)
    run = expire_points(days(10))
    assert (run.entries_created, run.points_expired) == (1, 40)
    assert PointsLot.objects.get(entry=lapsing).expired

    # The soon lot lapses meanwhile (expired is what the run sets on lots it closes).
    PointsLot.objects.filter(entry=soon).update(expired=True)
    reversal = ledger.reverse(redeem, idempotency_key="r:reverse")
    assert reversal.kind == EntryKind.REVERSE and reversal.reverses_id == redeem.pk
    # 30 back to short and 50 back to late; soon's 100 are NOT returned (expired)
    assert reversal.points == 80
    assert remaining(soon, short, late) == [0, 30, 200]
    assert account(customer).balance == 230
    assert ledger.reverse(redeem, idempotency_key="r:reverse") == reversal
    with pytest.raises(Conflict) as refused:
        ledger.reverse(redeem, idempotency_key="r:reverse-again")
    assert refused.value.code == "already_reversed"


def test_r2_4_1_reversing_a_credit_needs_an_untouched_lot(customer):
    untouched = earn(customer, 100, expires_in_days=50)
    used = earn(customer, 100, expires_in_days=10)
    ledger.debit(customer, 10, kind=EntryKind.REDEEM, idempotency_key="r")
    with pytest.raises(Conflict) as refused:
        ledger.reverse(used, idempotency_key="used:reverse")
    assert refused.value.code == "lot_consumed"
    reversal = ledger.reverse(untouched, idempotency_key="untouched:reverse")
    assert reversal.points == -100
    assert remaining(untouched) == [0]
    assert account(customer).balance == 90


def test_r2_4_1_hold_release_and_capture(customer):
    a = earn(customer, 100, expires_in_days=10)
    b = earn(customer, 100, expires_in_days=20)
    first = ledger.hold(customer, 120, idempotency_key="h1")
    assert (account(customer).balance, account(customer).held) == (200, 120)
    assert remaining(a, b) == [100, 100]  # a hold consumes no lot
    with pytest.raises(Conflict):
        ledger.hold(customer, 81, idempotency_key="h2")
    ledger.release(first, idempotency_key="h1:release")
    assert account(customer).held == 0
    with pytest.raises(Conflict):
        ledger.release(first, idempotency_key="h1:release-again")
    second = ledger.hold(customer, 150, idempotency_key="h3")
    captured = ledger.capture(second, idempotency_key="h3:capture")
    assert captured.kind == EntryKind.REDEEM and captured.points == -150
    assert ledger.capture(second, idempotency_key="h3:capture") == captured
    assert remaining(a, b) == [0, 50]
    assert (account(customer).balance, account(customer).held) == (50, 0)
    with pytest.raises(Conflict):
        ledger.capture(second, idempotency_key="h3:capture-again")


def test_r2_4_1_entries_are_immutable(customer):
    entry = earn(customer, 10, expires_in_days=10)
    entry.points = 1000
    with pytest.raises(ValueError):
        entry.save()
