"""Redemption under concurrency (R2.4.4, R6.5.1): 32 connections earning, redeeming through
the service (one item with a stock of 6, one unlimited), cancelling and expiring on the same
four customers, with real commits. Afterwards no balance is negative, the small stock is never
oversold (stock + completed units == initial stock), every completed redemption has exactly
its one debit and every cancelled one exactly one reversal, and the ledger invariant holds."""

import random
import threading

from django.db import connection
from django.db.models import Sum
from loyalty_helpers import days

from province.customers.models import Customer
from province.loyalty import ledger, services
from province.loyalty.choices import EntryKind, RedemptionStatus
from province.loyalty.invariant import invariant_violations
from province.loyalty.models import PointsAccount, PointsEntry, Redemption, RewardItem
from shared.errors import Conflict
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org
from tests.province.loyalty.redemption_helpers import make_item

THREADS = 32
STEPS = 20
SMALL_STOCK = 6


def _work(i, customer_ids, item_ids, barrier, errors) -> None:
    rng = random.Random(1000 + i)
    mine: list[Redemption] = []
    try:
        with in_tenant("bj"):
            customers = list(Customer.objects.filter(pk__in=customer_ids))
            items = list(RewardItem.objects.filter(pk__in=item_ids))
            barrier.wait()
            for step in range(STEPS):
                key = f"t{i}:s{step}"
                customer = rng.choice(customers)
                op = rng.random()
                try:
                    if i == 0 and step % 7 == 0:
                        services.expire_points(days(0), chunk_size=3)
                    elif op < 0.25:
                        expires = rng.choice([-1, 5, 300])
                        ledger.credit(
                            customer.pk,
                            rng.randint(50, 400),
                            kind=EntryKind.EARN,
                            idempotency_key=key,
                            expires_at=days(expires),
                            earned_on=min(days(0), days(expires)),
                        )
                    elif op < 0.80:
                        redemption = services.redeem(
                            customer,
                            rng.choice(items),
                            rng.randint(1, 2),
                            actor=None,
                            idempotency_key=key,
                        )
                        mine.append(redemption)
                        # a retry of the same request: the same redemption, nothing written
                        assert (
                            services.redeem(
                                customer,
                                redemption.item,
                                redemption.quantity,
                                actor=None,
                                idempotency_key=key,
                            ).pk
                            == redemption.pk
                        )
                    elif mine:
                        services.cancel_redemption(
                            rng.choice(mine), actor=None, reason="concurrency test"
                        )
                except Conflict:
                    pass  # refused: too few points, out of stock, already cancelled, …
    except Exception as exc:  # noqa: BLE001 (reported to the main thread)
        errors.append(f"thread {i}: {exc!r}")
    finally:
        connection.close()


def test_r2_4_4_redemption_under_32_concurrent_connections(committed):
    committed({"bj"})
    with in_tenant("bj"):
        org = make_org()
        customer_ids = [make_customer(org.manager_a).pk for _ in range(4)]
        for n, customer_id in enumerate(customer_ids):
            for expires in (-1, 3, 400):
                ledger.credit(
                    customer_id,
                    600,
                    kind=EntryKind.EARN,
                    idempotency_key=f"seed:{n}:{expires}",
                    expires_at=days(expires),
                    earned_on=min(days(0), days(expires)),
                )
        small = make_item(points_price=60, stock=SMALL_STOCK)
        unlimited = make_item(points_price=90, stock=None)
        item_ids = [small.pk, unlimited.pk]
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []
    threads = [
        threading.Thread(target=_work, args=(i, customer_ids, item_ids, barrier, errors))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with in_tenant("bj"):
        assert not PointsAccount.objects.filter(balance__lt=0).exists()
        completed = Redemption.objects.filter(status=RedemptionStatus.COMPLETED)
        assert completed.exists() and Redemption.objects.filter(status="cancelled").exists()
        sold = completed.filter(item=small).aggregate(n=Sum("quantity"))["n"] or 0
        assert RewardItem.objects.get(pk=small.pk).stock + sold == SMALL_STOCK
        for redemption in Redemption.objects.select_related("entry"):
            assert redemption.entry.points == -redemption.points  # one debit, its points
            reversals = PointsEntry.objects.filter(reverses=redemption.entry).count()
            assert reversals == (1 if redemption.status == RedemptionStatus.CANCELLED else 0)
        redeem_entries = PointsEntry.objects.filter(kind=EntryKind.REDEEM).count()
        assert redeem_entries == Redemption.objects.count()  # no double spend
        assert invariant_violations() == []
