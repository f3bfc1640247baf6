"""Read queries of the levels app (R2.2): the set-based grading SQL and what pages show.

Grading is one SQL statement over a set of customers, never a Python loop per customer:
``grading_ctes()`` measures every customer of the set (average monthly *paid* revenue over
the window, tenure, active products) and picks the highest level whose rule it meets. The
re-grading run wraps it in an ``INSERT … SELECT`` (services), the annual review in a plain
``SELECT`` (below).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from province.customers.choices import CustomerLevel, CustomerStatus
from province.customers.models import Bill, Customer, ProductInstance
from province.levels.choices import LEVEL_ORDER, LEVEL_RANK, CardStatus
from province.levels.models import LevelChange, LevelRule, LevelStandard, MembershipCard
from shared.scoping import sees_everything


def first_of_month(day: date | None = None) -> date:
    day = day or timezone.localdate()
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def active_standard() -> LevelStandard | None:
    return LevelStandard.objects.filter(is_active=True).prefetch_related("rules").first()


def _rank_sql(column: str) -> str:
    # Level codes are our own constants, not user input, so they are inlined as literals.
    whens = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in LEVEL_RANK.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def _level_sql(rank_expression: str) -> str:
    whens = " ".join(f"WHEN {rank} THEN '{level}'" for rank, level in enumerate(LEVEL_ORDER))
    return f"(CASE {rank_expression} {whens} END)"


def grading_ctes(customer_condition: str, *, id_range: bool = False) -> str:
    """The ``WITH`` clauses that grade a set of customers; ends with the ``graded`` CTE.

    ``customer_condition`` is extra SQL on ``c`` (the customer table). Parameters (named):
    ``as_of``, ``window_start``, ``months``, ``standard_id``, ``strategic_rank``,
    ``churned``, plus ``lo``/``hi`` when ``id_range`` (a chunk of customer ids ``[lo, hi)``,
    also applied to bills and products so each side uses its customer index).
    """
    customer = Customer._meta.db_table
    bill = Bill._meta.db_table
    product = ProductInstance._meta.db_table
    rule = LevelRule._meta.db_table

    def in_range(column: str) -> str:
        return f"AND {column} >= %(lo)s AND {column} < %(hi)s" if id_range else ""

    return f"""
    base AS (
        SELECT c.id AS customer_id, c.level AS current_level, c.is_strategic,
               GREATEST(0, (date_part('year', age(%(as_of)s::date, c.joined_on)) * 12
                            + date_part('month', age(%(as_of)s::date, c.joined_on))))::int
                   AS tenure_months
        FROM {customer} c
        WHERE c.merged_into_id IS NULL AND c.status <> %(churned)s {in_range("c.id")}
              {customer_condition}
    ),
    paid AS (
        SELECT b.customer_id, SUM(b.amount_paid) AS total
        FROM {bill} b JOIN base ON base.customer_id = b.customer_id
        WHERE b.period >= %(window_start)s AND b.period < %(as_of)s {in_range("b.customer_id")}
        GROUP BY b.customer_id
    ),
    products AS (
        SELECT p.customer_id, COUNT(*) AS n
        FROM {product} p JOIN base ON base.customer_id = p.customer_id
        WHERE p.terminated_on IS NULL {in_range("p.customer_id")}
        GROUP BY p.customer_id
    ),
    measured AS (
        -- Months without a bill count as zero: the average is over the whole window.
        SELECT base.*, COALESCE(paid.total, 0) / %(months)s AS avg_paid,
               COALESCE(products.n, 0)::int AS active_products
        FROM base
        LEFT JOIN paid ON paid.customer_id = base.customer_id
        LEFT JOIN products ON products.customer_id = base.customer_id
    ),
    graded AS (
        SELECT m.*,
               {_rank_sql("m.current_level")} AS current_rank,
               GREATEST(
                   COALESCE((
                       SELECT MAX({_rank_sql("r.level")}) FROM {rule} r
                       WHERE r.standard_id = %(standard_id)s
                         AND m.avg_paid >= r.min_avg_monthly_paid
                         AND (r.min_tenure_months IS NULL
                              OR m.tenure_months >= r.min_tenure_months)
                         AND (r.min_active_products IS NULL
                              OR m.active_products >= r.min_active_products)
                   ), 0),
                   CASE WHEN m.is_strategic THEN %(strategic_rank)s ELSE 0 END
               ) AS earned_rank
        FROM measured m
    )
    """  # noqa: S608 (table names and level codes are ours; values are parameters)


def grading_params(standard: LevelStandard, as_of: date) -> dict:
    return {
        "as_of": as_of,
        "window_start": add_months(as_of, -standard.months),
        "months": standard.months,
        "standard_id": standard.pk,
        "strategic_rank": LEVEL_RANK[standard.strategic_min_level],
        "churned": CustomerStatus.CHURNED.value,
    }


def earned_level_sql() -> str:
    return _level_sql("g.earned_rank")


@dataclass
class ReviewRow:
    """A member who no longer qualifies for their level (or card) under the standard."""

    customer_id: int
    number: str
    name: str
    current_level: str
    qualifying_level: str
    avg_monthly_paid: Decimal
    tenure_months: int
    active_products: int
    card_number: str | None
    level_since: object

    @property
    def current_level_label(self) -> str:
        return str(CustomerLevel(self.current_level).label)

    @property
    def qualifying_level_label(self) -> str:
        return str(CustomerLevel(self.qualifying_level).label)


def annual_review(
    user, *, as_of: date | None = None, customer_ids: list[int] | None = None, limit=None
) -> list[ReviewRow]:
    """Members (an issued card or a level above standard) the active standard no longer
    supports (R2.2 年检): one set-based query over the customers ``user`` may see."""
    standard = active_standard()
    if standard is None:
        return []
    as_of = first_of_month(as_of)
    params = grading_params(standard, as_of)
    card = MembershipCard._meta.db_table
    change = LevelChange._meta.db_table
    customer = Customer._meta.db_table
    params["issued"] = CardStatus.ISSUED.value
    params["standard_level"] = CustomerLevel.STANDARD.value
    condition = f"""AND (c.level <> %(standard_level)s OR EXISTS (
        SELECT 1 FROM {card} k WHERE k.customer_id = c.id AND k.status = %(issued)s))"""  # noqa: S608
    if not sees_everything(user):
        visible_sql, visible_params = (
            Customer.objects.visible_to(user).values("id").query.sql_with_params()
        )
        # The scope's SQL uses positional placeholders; inline it through a named one each.
        for index, value in enumerate(visible_params):
            params[f"v{index}"] = value
        named = visible_sql % tuple(f"%(v{i})s" for i in range(len(visible_params)))
        condition += f" AND c.id IN ({named})"
    if customer_ids is not None:
        params["ids"] = list(customer_ids)
        condition += " AND c.id = ANY(%(ids)s)"
    sql = f"""
    WITH {grading_ctes(condition)}
    SELECT g.customer_id, c.number, c.name, g.current_level, {earned_level_sql()},
           ROUND(g.avg_paid, 2), g.tenure_months, g.active_products,
           (SELECT k.number FROM {card} k WHERE k.customer_id = g.customer_id
              AND k.status = %(issued)s LIMIT 1),
           (SELECT MAX(h.at) FROM {change} h WHERE h.customer_id = g.customer_id)
    FROM graded g JOIN {customer} c ON c.id = g.customer_id
    WHERE g.earned_rank < g.current_rank
       OR (g.earned_rank = 0 AND EXISTS (SELECT 1 FROM {card} k
                                         WHERE k.customer_id = g.customer_id
                                           AND k.status = %(issued)s))
    ORDER BY g.customer_id
    """  # noqa: S608
    if limit is not None:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [ReviewRow(*row) for row in cursor.fetchall()]


def level_history(customer: Customer) -> QuerySet:
    return customer.level_changes.select_related("actor", "proposal")


def customer_cards(customer: Customer) -> QuerySet:
    return customer.cards.select_related("replaced_by")
