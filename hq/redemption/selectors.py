"""Reads of HQ's national redemption: the inter-province settlement (R2.4.9, R6.5.3)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from hq.redemption.choices import NationalRedemptionStatus
from hq.redemption.models import NationalRedemption


@dataclass
class Settlement:
    """What each home province owes each serving province for one month: Σ unit cost ×
    quantity of the national redemptions committed in that month (Asia/Shanghai)."""

    month: date
    # (home, serving) → (amount, redemptions, points)
    cells: dict[tuple[str, str], tuple[Decimal, int, int]] = field(default_factory=dict)

    def owed(self, home: str, serving: str) -> Decimal:
        return self.cells.get((home, serving), (Decimal("0"), 0, 0))[0]

    @property
    def total(self) -> Decimal:
        return sum((cell[0] for cell in self.cells.values()), Decimal("0"))

    @property
    def homes(self) -> list[str]:
        return sorted({home for home, _ in self.cells})

    @property
    def servings(self) -> list[str]:
        return sorted({serving for _, serving in self.cells})

    def owed_by(self, home: str) -> Decimal:
        return sum((c[0] for (h, _), c in self.cells.items() if h == home), Decimal("0"))

    def owed_to(self, serving: str) -> Decimal:
        return sum((c[0] for (_, s), c in self.cells.items() if s == serving), Decimal("0"))

    def matrix(self) -> list[tuple[str, list[Decimal], Decimal]]:
        """Rows per home province: the amounts per serving province and the row total."""
        return [
            (home, [self.owed(home, s) for s in self.servings], self.owed_by(home))
            for home in self.homes
        ]


def settlement(month: date, *, province: str | None = None) -> Settlement:
    """One GROUP BY over the committed redemptions of ``month`` (indexed by month); with
    ``province``, only the lines in which that province owes or is owed."""
    rows = NationalRedemption.objects.filter(
        status=NationalRedemptionStatus.COMMITTED, settlement_month=month.replace(day=1)
    )
    if province is not None:
        rows = rows.filter(Q(home_province=province) | Q(serving_province=province))
    rows = (
        rows.values("home_province", "serving_province")
        .annotate(amount=Sum("cost"), count=Count("id"), points=Sum("points"))
        .order_by()
    )
    result = Settlement(month=month.replace(day=1))
    for row in rows:
        result.cells[(row["home_province"], row["serving_province"])] = (
            row["amount"],
            row["count"],
            row["points"],
        )
    return result


def settlement_months() -> list[date]:
    return list(
        NationalRedemption.objects.filter(settlement_month__isnull=False)
        .values_list("settlement_month", flat=True)
        .distinct()
        .order_by("-settlement_month")
    )
