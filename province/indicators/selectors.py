"""The province's indicators of one month, computed set-based (appendix 1).

Four grouped queries, each one pass with ``GROUPING SETS`` so that the province total and
every dimension come out of the same scan: customers (on the books, new, churned), bills
(revenue, arrears), points entries (issued, redeemed, expired, outstanding) and satisfaction
answers. Python only divides the grouped sums into rates; nothing is computed per customer.

Customer dimensions use the customer's *current* level and city: the customer table has no
level timeline, so recomputing an old month places its customers at today's level
(docs/indicators.md says so).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from province.analysis.models import SatisfactionScore
from province.analysis.selectors import with_churn_date
from province.customers.choices import CustomerStatus
from province.customers.models import Bill, Customer
from province.indicators.models import IndicatorValue, ProvinceTarget, UnitTarget
from province.loyalty.models import LoyaltySettings, PointsEntry
from province.org.models import OrgUnit

TOTAL = ""
LEVEL = "level"
CITY = "city"
TARGET = "target"

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Row:
    indicator: str
    dimension: str
    member: str
    value: Decimal | None


def month_end(month: date) -> date:
    return month + relativedelta(months=1, days=-1)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _round(value, places=CENT) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def ratio(numerator, denominator, scale: int = 1) -> Decimal | None:
    """``numerator ÷ denominator × scale`` to the fen; absent (None) when nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return _round(Decimal(numerator) * scale / Decimal(denominator))


def growth(current, previous) -> Decimal | None:
    if current is None or not previous:
        return None
    return _round((Decimal(current) / Decimal(previous) - 1) * 100)


# GROUPING() sets a bit per column left out: with (level, city) → by level 0b01, by city
# 0b10, total 0b11; with (level) alone → by level 0, total 1.
def _dimension_of(grouping: int, level: str | None, city: str | None) -> tuple[str, str]:
    if grouping == 0b11:
        return TOTAL, ""
    if grouping == 0b01:
        return LEVEL, level or ""
    return CITY, city or ""


_CUSTOMERS_SQL = """
SELECT GROUPING(level_key, city_key), level_key, city_key,
       COUNT(*) FILTER (WHERE at_end), COUNT(*) FILTER (WHERE at_start),
       COUNT(*) FILTER (WHERE joined), COUNT(*) FILTER (WHERE churned)
FROM ({customers}) AS customers
GROUP BY GROUPING SETS ((level_key), (city_key), ())
"""


def _customer_rows(month: date) -> list[Row]:
    """KC_COUNT, KC_OPENING, KC_NEW, KC_CHURNED by level and city, and KC_CHURN_RATE."""
    last, day_before = month_end(month), month - relativedelta(days=1)

    def on_books(day):
        return ExpressionWrapper(
            Q(joined_on__lte=day) & (Q(churned_on__isnull=True) | Q(churned_on__gt=day)),
            output_field=BooleanField(),
        )

    customers = (
        with_churn_date(
            Customer.objects.exclude(status=CustomerStatus.POTENTIAL).filter(
                merged_into__isnull=True
            )
        )
        .order_by()
        .annotate(
            at_end=on_books(last),
            at_start=on_books(day_before),
            joined=ExpressionWrapper(
                Q(joined_on__gte=month, joined_on__lte=last), output_field=BooleanField()
            ),
            churned=ExpressionWrapper(
                Q(churned_on__gte=month, churned_on__lte=last), output_field=BooleanField()
            ),
        )
        .values("at_end", "at_start", "joined", "churned", level_key=F("level"), city_key=F("city"))
    )
    sql, params = customers.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_CUSTOMERS_SQL.format(customers=sql), params)
        grouped = cursor.fetchall()
    rows = []
    for grouping, level, city, at_end, at_start, joined, churned in grouped:
        dimension, member = _dimension_of(grouping, level, city)
        rows += [
            Row("KC_COUNT", dimension, member, Decimal(at_end)),
            Row("KC_OPENING", dimension, member, Decimal(at_start)),
            Row("KC_NEW", dimension, member, Decimal(joined)),
            Row("KC_CHURNED", dimension, member, Decimal(churned)),
        ]
        if dimension != CITY:
            rows.append(Row("KC_CHURN_RATE", dimension, member, ratio(churned, at_start, 100)))
    return rows


_BILLS_SQL = """
SELECT GROUPING(c.level, c.city), c.level, c.city,
       SUM(b.amount_due) FILTER (WHERE b.period = %(month)s),
       COUNT(DISTINCT b.customer_id) FILTER (WHERE b.period = %(month)s),
       SUM(b.amount_due) FILTER (WHERE b.period = %(previous)s),
       SUM(b.amount_due) FILTER (WHERE b.period = %(year_ago)s),
       SUM(u.unpaid) FILTER (WHERE b.due_date <= %(last)s),
       SUM(b.amount_due) FILTER (WHERE b.due_date BETWEEN %(month)s AND %(last)s),
       SUM(u.unpaid) FILTER (WHERE b.due_date BETWEEN %(month)s AND %(last)s)
FROM {bill} b
JOIN {customer} c ON c.id = b.customer_id
-- Unpaid at the month's end: paid in full later means wholly unpaid then; a bill not paid
-- in full keeps its unpaid rest as recorded now.
CROSS JOIN LATERAL (
    SELECT CASE WHEN b.paid_on IS NULL THEN GREATEST(b.amount_due - b.amount_paid, 0)
                WHEN b.paid_on > %(last)s THEN b.amount_due
                ELSE 0 END AS unpaid
) u
WHERE b.period IN (%(month)s, %(previous)s, %(year_ago)s)
   OR (b.due_date <= %(last)s AND (b.paid_on IS NULL OR b.paid_on > %(last)s))
GROUP BY GROUPING SETS ((c.level), (c.city), ())
"""


def _bill_rows(month: date) -> list[Row]:
    """KC_REVENUE, KC_BILLED, KC_ARPU, growth, ARREARS_*, BILLS_DUE_*."""
    params = {
        "month": month,
        "previous": month - relativedelta(months=1),
        "year_ago": month - relativedelta(months=12),
        "last": month_end(month),
    }
    sql = _BILLS_SQL.format(bill=Bill._meta.db_table, customer=Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()
    rows = []
    for grouping, level, city, revenue, billed, previous, year_ago, arrears, due, unpaid in grouped:
        dimension, member = _dimension_of(grouping, level, city)
        rows += [
            Row("KC_REVENUE", dimension, member, _round(revenue or 0)),
            Row("ARREARS_AMOUNT", dimension, member, _round(arrears or 0)),
        ]
        if dimension == CITY:
            continue
        rows += [
            Row("KC_BILLED", dimension, member, Decimal(billed)),
            Row("KC_ARPU", dimension, member, ratio(revenue, billed)),
            Row("BILLS_DUE_AMOUNT", dimension, member, _round(due or 0)),
            Row("BILLS_DUE_UNPAID", dimension, member, _round(unpaid or 0)),
            Row("ARREARS_RATE", dimension, member, ratio(unpaid, due, 100)),
        ]
        if dimension == TOTAL:
            rows += [
                Row("KC_REVENUE_MOM", TOTAL, "", growth(revenue, previous)),
                Row("KC_REVENUE_YOY", TOTAL, "", growth(revenue, year_ago)),
            ]
    if not any(row.dimension == TOTAL for row in rows):
        # No bill at all: the amounts are zero, the rates have nothing to divide.
        rows += [Row(code, TOTAL, "", Decimal("0.00")) for code in _ZERO_WITHOUT_BILLS]
        rows += [Row(code, TOTAL, "", None) for code in _ABSENT_WITHOUT_BILLS]
    return rows


_ZERO_WITHOUT_BILLS = (
    "KC_REVENUE",
    "ARREARS_AMOUNT",
    "KC_BILLED",
    "BILLS_DUE_AMOUNT",
    "BILLS_DUE_UNPAID",
)
_ABSENT_WITHOUT_BILLS = ("KC_ARPU", "ARREARS_RATE", "KC_REVENUE_MOM", "KC_REVENUE_YOY")


_POINTS_SQL = """
SELECT GROUPING(c.level), c.level,
       SUM(e.points) FILTER (WHERE e.created_at >= %(start)s
                             AND (e.kind IN ('earn', 'bonus') OR (e.kind = 'adjust' AND e.points > 0))),
       SUM(e.points) FILTER (WHERE e.created_at >= %(start)s
                             AND (e.kind = 'redeem' OR (e.kind = 'reverse' AND r.kind = 'redeem'))),
       SUM(e.points) FILTER (WHERE e.created_at >= %(start)s AND e.kind = 'expire'),
       SUM(e.points) FILTER (WHERE e.kind NOT IN ('hold', 'release'))
FROM {entry} e
JOIN {customer} c ON c.id = e.customer_id
LEFT JOIN {entry} r ON r.id = e.reverses_id
WHERE e.created_at < %(end)s
GROUP BY GROUPING SETS ((c.level), ())
"""


def _points_rows(month: date) -> list[Row]:
    """POINTS_ISSUED, _REDEEMED, _EXPIRED, _OUTSTANDING (at the month's end), _LIABILITY."""
    params = {
        "start": _local_midnight(month),
        "end": _local_midnight(month + relativedelta(months=1)),
    }
    sql = _POINTS_SQL.format(entry=PointsEntry._meta.db_table, customer=Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()
    point_cost = LoyaltySettings.load().point_cost
    rows = []
    for grouping, level, issued, redeemed, expired, outstanding in grouped:
        dimension, member = (TOTAL, "") if grouping else (LEVEL, level or "")
        outstanding = int(outstanding or 0)
        rows += [
            Row("POINTS_ISSUED", dimension, member, Decimal(int(issued or 0))),
            # Debits carry negative points in the ledger; the indicators count points.
            Row("POINTS_REDEEMED", dimension, member, Decimal(-int(redeemed or 0))),
            Row("POINTS_EXPIRED", dimension, member, Decimal(-int(expired or 0))),
            Row("POINTS_OUTSTANDING", dimension, member, Decimal(outstanding)),
            Row("POINTS_LIABILITY", dimension, member, _round(outstanding * point_cost)),
        ]
    if not grouped:
        for code in ("POINTS_ISSUED", "POINTS_REDEEMED", "POINTS_EXPIRED", "POINTS_OUTSTANDING"):
            rows.append(Row(code, TOTAL, "", Decimal(0)))
        rows.append(Row("POINTS_LIABILITY", TOTAL, "", Decimal("0.00")))
    return rows


_SATISFACTION_SQL = """
SELECT GROUPING(c.level), c.level, COUNT(*), AVG(s.score)
FROM {score} s
JOIN {customer} c ON c.id = s.customer_id
WHERE s.surveyed_on BETWEEN %(month)s AND %(last)s
GROUP BY GROUPING SETS ((c.level), ())
"""


def _satisfaction_rows(month: date) -> list[Row]:
    """SATISFACTION_SCORE (absent without answers) and SATISFACTION_RESPONSES."""
    sql = _SATISFACTION_SQL.format(
        score=SatisfactionScore._meta.db_table, customer=Customer._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"month": month, "last": month_end(month)})
        grouped = cursor.fetchall()
    rows = []
    for grouping, level, responses, average in grouped:
        dimension, member = (TOTAL, "") if grouping else (LEVEL, level or "")
        rows += [
            Row("SATISFACTION_SCORE", dimension, member, _round(average)),
            Row("SATISFACTION_RESPONSES", dimension, member, Decimal(responses)),
        ]
    if not grouped:
        rows += [
            Row("SATISFACTION_SCORE", TOTAL, "", None),
            Row("SATISFACTION_RESPONSES", TOTAL, "", Decimal(0)),
        ]
    return rows


def compute_month(month: date) -> list[Row]:
    """Every indicator the province has a formula for, for ``month`` (a first day)."""
    return (
        _customer_rows(month) + _bill_rows(month) + _points_rows(month) + _satisfaction_rows(month)
    )


# --- what the province's own pages read --------------------------------------------------------


def computed_months() -> list[date]:
    return list(
        IndicatorValue.objects.order_by("period").values_list("period", flat=True).distinct()
    )


def month_table(month: date) -> dict[str, dict[str, dict[str, Decimal | None]]]:
    """The stored values of ``month``: {indicator: {dimension: {member: value}}}."""
    table: dict = {}
    rows = IndicatorValue.objects.filter(period=month).order_by()
    for code, dimension, member, value in rows.values_list(
        "indicator", "dimension", "member", "value"
    ):
        table.setdefault(code, {}).setdefault(dimension, {})[member] = value
    return table


def own_trend(indicator: str) -> list[tuple[date, Decimal | None]]:
    rows = IndicatorValue.objects.filter(indicator=indicator, dimension=TOTAL).order_by("period")
    return list(rows.values_list("period", "value"))


# --- completion per org unit (R4.2.3) --------------------------------------------------------
# A customer counts for the unit of its account manager (as assigned now) and every unit
# above it. Only indicators that follow a customer can be broken down this way; for the
# others the split is shown with the province's completion only.


def _by_manager_unit(queryset, path_field: str, value) -> dict[str, Decimal]:
    grouped = queryset.order_by().values(path=F(path_field)).annotate(v=value)
    return {row["path"]: Decimal(row["v"] or 0) for row in grouped}


def _kc_count(start: date, month: date) -> dict[str, Decimal]:
    last = month_end(month)
    on_books = with_churn_date(
        Customer.objects.exclude(status=CustomerStatus.POTENTIAL).filter(
            merged_into__isnull=True, joined_on__lte=last
        )
    ).filter(Q(churned_on__isnull=True) | Q(churned_on__gt=last))
    return _by_manager_unit(on_books, "account_manager__org_unit__path", Count("pk"))


def _kc_new(start: date, month: date) -> dict[str, Decimal]:
    joined = Customer.objects.exclude(status=CustomerStatus.POTENTIAL).filter(
        merged_into__isnull=True, joined_on__gte=start, joined_on__lte=month_end(month)
    )
    return _by_manager_unit(joined, "account_manager__org_unit__path", Count("pk"))


def _kc_revenue(start: date, month: date) -> dict[str, Decimal]:
    bills = Bill.objects.filter(period__gte=start, period__lte=month)
    return _by_manager_unit(bills, "customer__account_manager__org_unit__path", Sum("amount_due"))


# Indicator → (its grouped actual from the target's first month to ``month``).
UNIT_ACTUALS = {"KC_COUNT": _kc_count, "KC_NEW": _kc_new, "KC_REVENUE": _kc_revenue}


def unit_actuals(indicator: str, start: date, month: date, units) -> dict[int, Decimal] | None:
    """Each unit's actual of ``indicator`` (its subtree's customers), or None when the
    indicator cannot be broken down by org unit. One grouped query whatever the units."""
    compute = UNIT_ACTUALS.get(indicator)
    if compute is None:
        return None
    by_path = compute(start, month)
    return {
        unit.pk: sum(
            (v for path, v in by_path.items() if path and path.startswith(unit.path)),
            Decimal(0),
        )
        for unit in units
    }


@dataclass(frozen=True)
class UnitProgress:
    unit: OrgUnit
    share: UnitTarget | None
    actual: Decimal | None
    completion: Decimal | None


def split_progress(
    target: ProvinceTarget, parent: OrgUnit, month: date | None, *, user=None
) -> tuple[list[UnitProgress], bool]:
    """The units under ``parent`` (those ``user`` may see) with their shares, and each
    one's actual and completion as of ``month`` (R4.2.3). The flag says whether actuals
    per unit exist for the indicator (otherwise only the province's completion does)."""
    units = OrgUnit.objects.filter(parent=parent, is_active=True)
    if user is not None:
        units = units.visible_to(user)
    children = list(units.order_by("name"))
    shares = {
        s.org_unit_id: s for s in UnitTarget.objects.filter(target=target, org_unit__in=children)
    }
    actuals = None
    if month is not None:
        actuals = unit_actuals(target.indicator, target.period_start, month, children)
    rows = []
    for unit in children:
        share = shares.get(unit.pk)
        actual = actuals.get(unit.pk) if actuals is not None else None
        completion = ratio(actual, share.value, 100) if share is not None else None
        rows.append(UnitProgress(unit, share, actual, completion))
    return rows, actuals is not None


def latest_completion(target: ProvinceTarget) -> tuple[Decimal | None, date] | None:
    """The province's newest computed completion of ``target`` and its month."""
    return (
        IndicatorValue.objects.filter(indicator="TARGET_COMPLETION", dimension=TARGET)
        .filter(member=target.code)
        .order_by("-period")
        .values_list("value", "period")
        .first()
    )
