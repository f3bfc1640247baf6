"""The money value of points (R2.4.9): liability, monthly points flow, redemption cost.

Every function takes an ``AnalysisScope`` (the analysis filter bar, ``province/analysis``):
its customers already start from ``Customer.objects.visible_to(user)`` — an account manager
sees their own customers, a supervisor their unit's subtree, province-wide roles everything
(R9.2) — and every query here reads accounts, lots, entries and redemptions only through
those customers. The cost page builds the scope with ``include_merged=True``: a merged
duplicate's points stay owed until someone moves them, so they belong to the liability.

All figures are set-based (one GROUP BY per section; the liability by level, city and branch
is one GROUPING SETS query), sized for a province with a million accounts. Points are
integers; money is ``Decimal`` rounded to fen, valued at ``LoyaltySettings.point_cost``
(the current cost per point) — a flow of last year is valued at today's cost too.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import BigIntegerField, Count, F, Func, Q, Sum, Value
from django.db.models.functions import Cast, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from province.analysis.filters import AnalysisScope
from province.customers.choices import CustomerLevel
from province.loyalty.choices import HOLD_KINDS, EntryKind, RedemptionStatus, RewardKind
from province.loyalty.models import LoyaltySettings, PointsEntry, PointsLot, Redemption
from province.national import selectors as national_selectors
from province.org.models import OrgUnit

CENT = Decimal("0.01")
EXPIRY_HORIZONS = (3, 6, 12)  # months ahead (R2.4.9: the part of the liability that lapses)
TOP_ITEMS = 10  # items charted on the page; tables and exports list them all


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def points_value(points: int, point_cost: Decimal) -> Decimal:
    """What ``points`` are worth at ``point_cost`` yuan per point, in yuan (to the fen)."""
    return money(Decimal(points or 0) * point_cost)


def _month_key(month) -> str:
    return f"{month:%Y-%m}"


def _of_scope(queryset, scope: AnalysisScope):
    """``queryset``'s customer-owned rows restricted to the scope's customers.

    A scope that filters nothing (a province-wide role, no filter chosen, merged duplicates
    kept) needs no restriction: every row's customer is a customer. Skipping the semi-join
    with a million customers halves the time of the province-wide figures.
    """
    if not scope.customers.query.where:
        return queryset
    return queryset.filter(customer__in=scope.customers.order_by().values("pk"))


def _period_bounds(scope: AnalysisScope) -> tuple[datetime, datetime]:
    """The scope's months as aware instants: local midnight of the first day, and of the
    day after the last one (entries and redemptions are timestamps)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(scope.start, time.min, tzinfo=tz)
    end = datetime.combine(scope.last_day + relativedelta(days=1), time.min, tzinfo=tz)
    return start, end


# --- liability ---------------------------------------------------------------------------

# One pass over the accounts with points, grouped three ways at once. GROUPING() sets a bit
# per column left out of a row's grouping: level = 0b100, city = 0b010, branch = 0b001.
_LIABILITY_SQL = """
SELECT GROUPING(level_key, city_key, branch_id) AS grouping_level,
       level_key, city_key, branch_id, COUNT(*), SUM(balance), SUM(held)
FROM ({outstanding}) AS outstanding
GROUP BY GROUPING SETS ((level_key), (city_key), (branch_id), ())
"""
_BY_LEVEL, _BY_CITY, _BY_BRANCH, _TOTAL = 0b011, 0b101, 0b110, 0b111


def _top_branch_id():
    """The id of the customer's top-level branch: the second id of its unit's materialised
    path (``root.branch.team.``); NULL for customers served by the root unit itself."""
    second = Func(F("org_unit__path"), Value("."), Value(2), function="split_part")
    return Cast(NullIf(second, Value("")), BigIntegerField())


def _liability_rows(scope: AnalysisScope) -> list[tuple]:
    outstanding = (
        scope.customers.order_by()
        .filter(points_account__balance__gt=0)
        .values(
            level_key=F("level"),
            city_key=F("city"),
            branch_id=_top_branch_id(),
            balance=F("points_account__balance"),
            held=F("points_account__held"),
        )
    )
    sql, params = outstanding.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_LIABILITY_SQL.format(outstanding=sql), params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _Outstanding:
    accounts: int
    points: int
    held: int

    def as_row(self, key, label: str, point_cost: Decimal) -> dict:
        return {
            "key": key,
            "label": label,
            "accounts": self.accounts,
            "points": self.points,
            "held": self.held,
            "available": self.points - self.held,
            "value": points_value(self.points, point_cost),
            "held_value": points_value(self.held, point_cost),
        }


def _expiring(scope: AnalysisScope, today: date, point_cost: Decimal) -> dict:
    """Open points by when they lapse: already past their last day (the expiry run has not
    reached them yet) and within each horizon, counted from ``today`` (cumulative)."""
    horizons = {months: today + relativedelta(months=months) for months in EXPIRY_HORIZONS}
    sums = {
        f"within_{months}": Sum("remaining", filter=Q(expires_at__lt=until))
        for months, until in horizons.items()
    }
    sums["lapsed"] = Sum("remaining", filter=Q(expires_at__lt=today))
    totals = (
        _of_scope(PointsLot.objects, scope)
        .filter(
            expired=False,
            remaining__gt=0,
            expires_at__lt=max(horizons.values()),
        )
        .order_by()
        .aggregate(**sums)
    )
    lapsed = totals["lapsed"] or 0
    return {
        "lapsed": {"points": lapsed, "value": points_value(lapsed, point_cost)},
        "horizons": [
            {
                "months": months,
                "until": horizons[months],
                "points": totals[f"within_{months}"] or 0,
                "value": points_value(totals[f"within_{months}"], point_cost),
            }
            for months in EXPIRY_HORIZONS
        ],
    }


def liability(scope: AnalysisScope, *, today: date | None = None) -> dict:
    """R2.4.9: outstanding points × cost per point, by level, city and top-level branch, and
    the part that lapses within 3, 6 and 12 months.

    - ``points`` = Σ balance of the accounts in scope (points the customers own, held ones
      included); ``held`` = Σ held (reserved by redemptions in progress), shown apart;
      ``value`` = points × ``point_cost``. The period of the filter bar does not apply: the
      liability is as of now.
    - Expiring: Σ remainders of open lots whose last valid day comes before today + N
      months (cumulative), lots already past their day but not yet expired by the run
      included; ``lapsed`` is that last part alone. Held points may still be redeemed from
      such lots, so the figure is what lapses if nothing is redeemed first.
    """
    today = today or timezone.localdate()
    point_cost = LoyaltySettings.load().point_cost
    groups = {_BY_LEVEL: {}, _BY_CITY: {}, _BY_BRANCH: {}}
    total = _Outstanding(0, 0, 0)
    for grouping, level, city, branch, accounts, points, held in _liability_rows(scope):
        outstanding = _Outstanding(accounts, int(points or 0), int(held or 0))
        if grouping == _TOTAL:
            total = outstanding
        else:
            groups[grouping][{_BY_LEVEL: level, _BY_CITY: city, _BY_BRANCH: branch}[grouping]] = (
                outstanding
            )

    levels = [key for key, _label in CustomerLevel.choices]
    level_labels = dict(CustomerLevel.choices)
    by_level = [
        groups[_BY_LEVEL][key].as_row(key, str(level_labels.get(key, key)), point_cost)
        for key in sorted(groups[_BY_LEVEL], key=lambda k: levels.index(k) if k in levels else 99)
    ]
    by_city = sorted(
        (
            outstanding.as_row(city, city or _("Not recorded"), point_cost)
            for city, outstanding in groups[_BY_CITY].items()
        ),
        key=lambda row: (-row["points"], row["label"]),
    )
    branch_names = dict(
        OrgUnit.objects.filter(pk__in=[pk for pk in groups[_BY_BRANCH] if pk is not None])
        .order_by()
        .values_list("pk", "name")
    )
    by_branch = sorted(
        (
            outstanding.as_row(
                branch,
                branch_names.get(branch, str(branch))
                if branch is not None
                else _("Provincial company (no branch)"),
                point_cost,
            )
            for branch, outstanding in groups[_BY_BRANCH].items()
        ),
        key=lambda row: (-row["points"], row["label"]),
    )
    return {
        "as_of": today,
        "point_cost": point_cost,
        "total": total.as_row(None, _("All customers"), point_cost),
        "by_level": by_level,
        "by_city": by_city,
        "by_branch": by_branch,
        "expiring": _expiring(scope, today, point_cost),
    }


# --- points flow by month ------------------------------------------------------------------

# Columns of the monthly flow: every kind that changes what customers own. Holds and
# releases only move points between available and held, so they are left out.
FLOW_KINDS = (
    EntryKind.EARN,
    EntryKind.BONUS,
    EntryKind.PENALTY,
    EntryKind.REDEEM,
    EntryKind.EXPIRE,
    EntryKind.ADJUST,
    EntryKind.REVERSE,
)


def flow_column_labels() -> dict[str, str]:
    return {str(kind): str(kind.label) for kind in FLOW_KINDS}


def points_flow(scope: AnalysisScope) -> dict:
    """R2.4.9: points posted per month of the period and kind, with their value.

    Points keep the ledger's sign (credits positive, debits negative); ``net`` is their sum,
    the month's change of the customers' balances. Reversals are a column of their own
    (a cancelled redemption shows as a negative ``redeem`` in its month and a positive
    ``reverse`` in the month it was cancelled). Months are calendar months in the
    province's time zone; values are at the current cost per point.
    """
    point_cost = LoyaltySettings.load().point_cost
    start, end = _period_bounds(scope)
    rows = (
        _of_scope(PointsEntry.objects, scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(kind__in=HOLD_KINDS)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(points=Sum("points"))
    )
    posted = {(row["month"].date(), row["kind"]): row["points"] for row in rows}
    months, totals = [], dict.fromkeys(FLOW_KINDS, 0)
    for month in scope.months:
        points = {str(kind): posted.get((month, kind), 0) for kind in FLOW_KINDS}
        for kind in FLOW_KINDS:
            totals[kind] += points[kind]
        months.append(_flow_row(_month_key(month), points, point_cost))
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "point_cost": point_cost,
        "months": months,
        "total": _flow_row(None, {str(k): v for k, v in totals.items()}, point_cost),
    }


def _flow_row(month: str | None, points: dict[str, int], point_cost: Decimal) -> dict:
    net = sum(points.values())
    return {
        "month": month,
        "points": points,
        "values": {kind: points_value(p, point_cost) for kind, p in points.items()},
        "net": net,
        "net_value": points_value(net, point_cost),
    }


# --- redemption cost -------------------------------------------------------------------------


def _redemption_sums() -> dict:
    return {
        "redemptions": Count("pk"),
        "quantity": Sum("quantity"),
        "points": Sum("points"),
        "cost": Sum("cost"),
        "bill_credit": Sum("bill_credit"),
    }


def _zero(field: str):
    return Decimal("0.00") if field in ("cost", "bill_credit", "total_cost") else 0


def _cost_row(row: dict) -> dict:
    cost, credit = money(row["cost"]), money(row["bill_credit"])
    return {
        "redemptions": row["redemptions"] or 0,
        "quantity": row["quantity"] or 0,
        "points": row["points"] or 0,
        "cost": cost,
        "bill_credit": credit,
        "total_cost": cost + credit,
    }


def redemption_cost(scope: AnalysisScope) -> dict:
    """R2.4.9: what redemptions in the period cost, by month and item kind and by item.

    Only completed redemptions count (status now: a redemption cancelled later drops out of
    its month); cancelled ones of the period are totalled apart. ``cost`` is what the items
    cost the province, ``bill_credit`` what was credited to bills, ``total_cost`` both;
    ``cost_per_point`` = total cost / points redeemed, the realised value of a point, to
    compare with the configured cost per point. Months follow ``redeemed_at`` (local time).
    """
    start, end = _period_bounds(scope)
    in_period = (
        _of_scope(Redemption.objects, scope)
        .filter(redeemed_at__gte=start, redeemed_at__lt=end)
        .order_by()
    )
    completed = in_period.filter(status=RedemptionStatus.COMPLETED)
    kinds = dict(RewardKind.choices)

    per_month_kind = {
        (row["month"].date(), row["item__kind"]): row
        for row in completed.annotate(month=TruncMonth("redeemed_at"))
        .values("month", "item__kind")
        .annotate(**_redemption_sums())
    }
    used_kinds = [kind for kind in RewardKind.values if any(k == kind for _m, k in per_month_kind)]
    empty = dict.fromkeys(_redemption_sums(), 0)
    by_month = []
    for month in scope.months:
        cells = {kind: _cost_row(per_month_kind.get((month, kind), empty)) for kind in used_kinds}
        month_total = {
            field: sum((cell[field] for cell in cells.values()), _zero(field))
            for field in ("redemptions", "quantity", "points", "cost", "bill_credit", "total_cost")
        }
        by_month.append({"month": _month_key(month), "by_kind": cells, **month_total})

    by_item = [
        {
            "item_id": row["item"],
            "code": row["item__code"],
            "name": row["item__name"],
            "kind": row["item__kind"],
            "kind_label": str(kinds.get(row["item__kind"], row["item__kind"])),
            **_cost_row(row),
        }
        for row in completed.values("item", "item__code", "item__name", "item__kind").annotate(
            **_redemption_sums()
        )
    ]
    by_item.sort(key=lambda row: (-row["total_cost"], -row["points"], row["code"]))
    total = _cost_row(completed.aggregate(**_redemption_sums()))
    total["cost_per_point"] = (
        (total["total_cost"] / total["points"]).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if total["points"]
        else None
    )
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "point_cost": LoyaltySettings.load().point_cost,
        "kinds": [{"key": kind, "label": str(kinds[kind])} for kind in used_kinds],
        "by_month": by_month,
        "by_item": by_item,
        "total": total,
        "cancelled": _cost_row(
            in_period.filter(status=RedemptionStatus.CANCELLED).aggregate(**_redemption_sums())
        ),
    }


def settlement(scope: AnalysisScope) -> dict:
    """R2.4.9, R6.5.3: per month of the period, what this province owes other provinces
    for its members' national redemptions there and what it is owed for serving their
    members, as HQ's settlement says (received by sync). Province-wide figures: only the
    period applies, not the customer filters."""
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        **national_selectors.settlement(scope.months),
    }


def points_cost(scope: AnalysisScope, *, with_settlement: bool = False) -> dict:
    """All sections of the cost page (R2.4.9); the inter-province settlement only when
    asked (it is province-wide: for the roles that see the whole province)."""
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "liability": liability(scope),
        "flow": points_flow(scope),
        "redemptions": redemption_cost(scope),
        "settlement": settlement(scope) if with_settlement else None,
    }
