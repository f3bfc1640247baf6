"""Points on a customer merge and its revert (R2.1.2, R2.4.1): the survivor's account takes
the duplicate's balance, holds, entries and lots; the revert puts them back exactly or is
refused. The ledger invariant is checked after every test."""

import pytest

from province.customers import merging
from province.loyalty import ledger, services
from province.loyalty.choices import EntryKind
from province.loyalty.models import ExpiryNotice, PointsAccount, PointsEntry, PointsLot
from shared.errors import Conflict
from tests.factories import make_customer, make_org
from tests.province.loyalty.loyalty_helpers import days, earn


@pytest.fixture
def pair(bj):
    org = make_org()
    survivor = make_customer(org.manager_a)
    duplicate = make_customer(org.manager_a)
    earn(survivor, 300, expires_in_days=100)
    earn(duplicate, 500, expires_in_days=50)
    earn(duplicate, 200, expires_in_days=400)
    ledger.debit(duplicate, 100, kind=EntryKind.REDEEM, idempotency_key="merge:redeem")
    ledger.hold(duplicate, 150, idempotency_key="merge:hold")
    return org, survivor, duplicate


def account(customer):
    return PointsAccount.objects.filter(customer=customer).first()


def state(customer):
    a = account(customer)
    return (
        (a.balance, a.held) if a else None,
        sorted(PointsEntry.objects.filter(customer=customer).values_list("pk", flat=True)),
        sorted(PointsLot.objects.filter(customer=customer).values_list("pk", "remaining")),
    )


def test_r2_1_2_merge_folds_the_duplicates_points_into_the_survivor(pair):
    org, survivor, duplicate = pair
    dup_entries = set(PointsEntry.objects.filter(customer=duplicate).values_list("pk", flat=True))
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    # balance = 300 + (500 + 200 − 100); held = 150
    surviving = account(survivor)
    assert (surviving.balance, surviving.held) == (900, 150)
    assert account(duplicate) is None  # the duplicate's account row is removed
    assert not PointsEntry.objects.filter(customer=duplicate).exists()
    assert dup_entries <= set(
        PointsEntry.objects.filter(customer=survivor).values_list("pk", flat=True)
    )
    assert set(merge.moved["loyalty.PointsEntry"]["customer"]) == dup_entries
    # the survivor can spend them, soonest expiry first (the duplicate's 50-day lot)
    ledger.debit(survivor, 400, kind=EntryKind.REDEEM, idempotency_key="merge:after")
    assert account(survivor).balance == 500


def test_r2_1_2_revert_puts_the_points_back_exactly(pair):
    org, survivor, duplicate = pair
    before = (state(survivor), state(duplicate))
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    # the survivor's own activity since the merge does not stand in the way
    earn(survivor, 10, expires_in_days=30, key="merge:survivor-later")
    merging.revert_merge(merge, actor=org.admin.user)
    survivor_after, duplicate_after = state(survivor), state(duplicate)
    assert duplicate_after == before[1]
    assert survivor_after[0] == (310, 0)
    assert len(survivor_after[1]) == len(before[0][1]) + 1


def test_r2_1_2_merge_when_only_the_duplicate_has_points(bj):
    org = make_org()
    survivor, duplicate = make_customer(org.manager_a), make_customer(org.manager_a)
    earn(duplicate, 70, expires_in_days=10)
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    assert account(survivor).balance == 70
    merging.revert_merge(merge, actor=org.admin.user)
    assert (account(survivor).balance, account(duplicate).balance) == (0, 70)


def test_r2_1_2_revert_refused_when_the_moved_points_were_used_since(pair):
    org, survivor, duplicate = pair
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    # consumes the duplicate's 50-day lot first
    ledger.debit(survivor, 50, kind=EntryKind.REDEEM, idempotency_key="merge:spend")
    before = state(survivor)
    with pytest.raises(Conflict) as exc:
        merging.revert_merge(merge, actor=org.admin.user)
    assert exc.value.code == "points_changed_since"
    assert state(survivor) == before and account(duplicate) is None  # nothing written
    merge.refresh_from_db()
    assert merge.reverted_at is None


def test_r2_1_2_revert_refused_when_a_moved_hold_was_settled(pair):
    org, survivor, duplicate = pair
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    hold = PointsEntry.objects.get(idempotency_key="merge:hold")
    ledger.release(hold, idempotency_key="merge:release")
    with pytest.raises(Conflict):
        merging.revert_merge(merge, actor=org.admin.user)


def test_r2_1_2_revert_refused_when_a_moved_lot_was_extended(pair):
    org, survivor, duplicate = pair
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    lot = PointsLot.objects.filter(customer=survivor).order_by("expires_at").first()
    services.extend_lot(lot, days(999), actor=org.admin.user, reason="goodwill")
    with pytest.raises(Conflict):
        merging.revert_merge(merge, actor=org.admin.user)


def test_r2_1_2_expiry_notices_stay_with_the_duplicate_and_do_not_block(pair):
    org, survivor, duplicate = pair
    lot = PointsLot.objects.filter(customer=survivor).first()
    for customer in (survivor, duplicate):
        ExpiryNotice.objects.create(customer=customer, points=1, expires_at=lot.expires_at)
    merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    assert ExpiryNotice.objects.filter(customer=duplicate).count() == 1
