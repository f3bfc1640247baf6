"""Scenario builders for the redemption tests (R2.4.4, R2.4.8, R6.5)."""

import itertools
from decimal import Decimal

from province.loyalty.models import PointsEntry, Redemption, RewardItem
from tests.province.loyalty.loyalty_helpers import days

_codes = itertools.count(1)


def make_item(**fields) -> RewardItem:
    n = next(_codes)
    defaults = {
        "code": f"GIFT{n:04d}",
        "name": f"Gift {n}",
        "kind": "gift",
        "points_price": 100,
        "unit_cost": Decimal("5.00"),
        "valid_from": days(-30),
    }
    defaults.update(fields)
    return RewardItem.objects.create(**defaults)


def snapshot(item=None) -> tuple:
    """What a refused redemption must leave untouched."""
    stock = RewardItem.objects.get(pk=item.pk).stock if item is not None else None
    return Redemption.objects.count(), PointsEntry.objects.count(), stock
