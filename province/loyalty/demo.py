"""Demo points for ``seed_demo`` (``make run``): the demo catalogue and the accrual of every
billing month the demo customers have, so the points pages show real balances and lots.

Everything goes through the same services as production (accrual runs, redemption); the
functions are idempotent, so re-seeding a province changes nothing.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from province.customers.choices import CustomerLevel
from province.customers.models import Bill
from province.loyalty import services
from province.loyalty.choices import RewardKind, RunStatus
from province.loyalty.models import AccrualRun, RewardItem

L = CustomerLevel
# code, name_zh, kind, points price, unit cost, bill credit, stock, eligible levels,
# minimum balance, daily cap, yearly cap
CATALOGUE = (
    ("BC050", "50元话费抵扣", RewardKind.BILL_CREDIT, 5000, "50", "50", None, (), 2000, 2, 12),
    ("BC200", "200元话费抵扣", RewardKind.BILL_CREDIT, 20000, "200", "200", None, (), 2000, 1, 6),
    ("GF-PWR", "移动电源", RewardKind.GIFT, 3000, "45", "0", 500, (), 2000, 1, 4),
    ("GF-TEA", "精品茶礼盒", RewardKind.GIFT, 8000, "120", "0", 200, (L.SILVER, L.GOLD, L.DIAMOND), 2000, 1, 2),
    ("SV-VIP", "机场贵宾厅服务", RewardKind.SERVICE, 6000, "90", "0", None, (L.GOLD, L.DIAMOND), 2000, 2, 12),
    ("SV-CHK", "健康体检套餐", RewardKind.SERVICE, 15000, "260", "0", 100, (L.GOLD, L.DIAMOND), 2000, 1, 1),
    ("CB-GOLF", "高尔夫体验日", RewardKind.CLUB_BENEFIT, 30000, "600", "0", 40, (L.DIAMOND,), 5000, 1, 2),
)  # fmt: skip


def seed_catalogue() -> int:
    """The demo redemption catalogue (R2.4.4); returns how many items were added."""
    added = 0
    start = date(timezone.localdate().year, 1, 1)
    for code, name, kind, price, cost, credit, stock, levels, minimum, daily, yearly in CATALOGUE:
        _item, created = RewardItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "points_price": price,
                "unit_cost": Decimal(cost),
                "bill_credit_amount": Decimal(credit),
                "stock": stock,
                "eligible_levels": list(levels),
                "min_balance": minimum,
                "daily_cap": daily,
                "yearly_cap": yearly,
                "valid_from": start,
            },
        )
        added += created
    return added


def accrue_history() -> int:
    """Run the accrual of every billing month not yet accrued, oldest first; returns the
    number of points created."""
    done = set(AccrualRun.objects.filter(status=RunStatus.DONE).values_list("period", flat=True))
    months = Bill.objects.order_by("period").values_list("period", flat=True).distinct()
    points = 0
    for period in months:
        if period in done:
            continue
        run = services.execute_accrual(services.start_accrual(period).pk)
        points += run.points_created
    return points
