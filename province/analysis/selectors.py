"""The figures of the customer analysis pages (R2.5.1–R2.5.5), computed set-based.

Every function takes an ``AnalysisScope`` (see ``filters.py``): its ``customers`` queryset
already starts from ``Customer.objects.visible_to(user)``, and every query here reads bills,
lines, product instances and scores only through ``customer__in=<that queryset>``, so an
account manager's figures contain their own customers only (R9.2). Aggregation happens in
PostgreSQL (GROUP BY, conditional counts, one raw query with a window function); Python
only reshapes the grouped rows for the charts.

The results are plain dicts (the JSON API returns them as they are, the pages chart them
and the exports write them), with amounts as ``Decimal`` rounded to fen.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least, TruncDate, TruncMonth
from django.utils.translation import gettext as _

from province.analysis.filters import AnalysisScope, month_end
from province.analysis.models import SatisfactionScore
from province.customers.choices import CustomerLevel, CustomerStatus, CustomerType
from province.customers.models import Bill, BillLine, Customer, ProductInstance
from province.products.choices import ProductCategory
from province.products.models import Product
from shared.vocab.industries import IndustrySection

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MAX_LIFETIME_MONTHS = 120
DEFAULT_TOP_N = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _month_key(month) -> str:
    return f"{month:%Y-%m}"


def _customer_ids(scope: AnalysisScope):
    """The scope's customers as an id subquery (no ordering: it is only used in ``IN``)."""
    return scope.customers.order_by().values("pk")


# --- R2.5.1 composition --------------------------------------------------------------------


def _grouped_counts(customers, field: str, choices) -> list[dict]:
    labels = dict(choices)
    rows = customers.order_by().values(field).annotate(count=Count("pk")).order_by("-count", field)
    return [
        {
            "key": row[field],
            "label": str(labels.get(row[field], row[field])) if row[field] else _("Not recorded"),
            "count": row["count"],
        }
        for row in rows
    ]


def with_churn_date(customers):
    """Annotate ``churned_on``: when a currently churned customer last became churned.

    The customer table holds the status only, so the date comes from the change history
    (django-simple-history): the first history row in status "churned" after the last row in
    any other status. Rows loaded without history fall back to ``updated_at``. Customers not
    churned now get ``None``.
    """
    history = Customer.history.model.objects
    last_other = (
        history.filter(id=OuterRef("pk"))
        .exclude(status=CustomerStatus.CHURNED)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    churned_since = (
        history.filter(
            id=OuterRef("pk"),
            status=CustomerStatus.CHURNED,
            history_date__gt=OuterRef("_last_other_status_at"),
        )
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return customers.annotate(
        _last_other_status_at=Coalesce(Subquery(last_other), Value(_EPOCH))
    ).annotate(
        churned_on=Case(
            When(
                status=CustomerStatus.CHURNED,
                then=TruncDate(Coalesce(Subquery(churned_since), F("updated_at"))),
            ),
            default=None,
            output_field=DateField(),
        )
    )


def _on_books_at(day) -> Q:
    """Customers counted as active at the end of ``day``: joined, and not churned by then."""
    return Q(joined_on__lte=day) & (Q(churned_on__isnull=True) | Q(churned_on__gt=day))


def active_customers_per_month(scope: AnalysisScope) -> dict:
    """Active customers at each month's end, customers at each month's start, and churn.

    Approximation (the customer table has no status timeline): a customer counts as active
    in a month when it joined (``joined_on``) on or before the month's last day and was not
    churned by then, the churn date being taken from the change history (see
    ``with_churn_date``). Potential customers never count; suspended ones do (they are still
    under contract). Customers whose history was rewritten to another status after a churn
    count as active throughout. One query with two conditional counts per month.
    """
    customers = with_churn_date(scope.customers.exclude(status=CustomerStatus.POTENTIAL))
    aggregates = {}
    for i, month in enumerate(scope.months):
        aggregates[f"end_{i}"] = Count("pk", filter=_on_books_at(month_end(month)))
        day_before = month - relativedelta(days=1)
        aggregates[f"start_{i}"] = Count("pk", filter=_on_books_at(day_before))
    aggregates["churned"] = Count(
        "pk", filter=Q(churned_on__gte=scope.start, churned_on__lte=scope.last_day)
    )
    counts = customers.aggregate(**aggregates)
    return {
        "months": [_month_key(m) for m in scope.months],
        "active": [counts[f"end_{i}"] for i in range(len(scope.months))],
        "active_at_start": [counts[f"start_{i}"] for i in range(len(scope.months))],
        "churned": counts["churned"],
    }


def composition(scope: AnalysisScope) -> dict:
    """R2.5.1: customers by level, type, industry, city and status, and active per month."""
    customers = scope.customers
    over_time = active_customers_per_month(scope)
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "total": customers.count(),
        "by_level": _grouped_counts(customers, "level", CustomerLevel.choices),
        "by_type": _grouped_counts(customers, "type", CustomerType.choices),
        "by_industry": _grouped_counts(customers, "industry", IndustrySection.choices),
        "by_city": _grouped_counts(customers, "city", []),
        "by_status": _grouped_counts(customers, "status", CustomerStatus.choices),
        "over_time": {"months": over_time["months"], "active": over_time["active"]},
    }


# --- R2.5.2 business (product) composition ---------------------------------------------------

# Revenue of a month is what its bills charge (amount due). Bills with lines are split by
# their lines; a bill without lines is split over the products active on its billing account
# in that month, in proportion to their monthly fees (evenly if all fees are 0); what cannot
# be attributed at all (no lines, no active product) is reported under no product.
_REVENUE_BY_PRODUCT_SQL = """
WITH bills AS (
    SELECT b.id, b.account_id, b.customer_id, b.period, b.amount_due
    FROM {bill} b
    WHERE b.customer_id IN ({customers}) AND b.period BETWEEN %s AND %s
), lineless AS (
    SELECT bills.* FROM bills
    WHERE NOT EXISTS (SELECT 1 FROM {line} l WHERE l.bill_id = bills.id)
), attributed AS (
    SELECT l.product_id, bills.customer_id, l.amount_due AS amount
    FROM bills JOIN {line} l ON l.bill_id = bills.id
    UNION ALL
    SELECT i.product_id, lineless.customer_id,
           lineless.amount_due * COALESCE(
               i.monthly_fee / NULLIF(SUM(i.monthly_fee) OVER w, 0),
               1.0 / COUNT(*) OVER w
           )
    FROM lineless JOIN {instance} i ON i.account_id = lineless.account_id
         AND i.activated_on < lineless.period + INTERVAL '1 month'
         AND (i.terminated_on IS NULL OR i.terminated_on >= lineless.period)
    WINDOW w AS (PARTITION BY lineless.id)
    UNION ALL
    SELECT NULL, lineless.customer_id, lineless.amount_due
    FROM lineless
    WHERE NOT EXISTS (
        SELECT 1 FROM {instance} i WHERE i.account_id = lineless.account_id
        AND i.activated_on < lineless.period + INTERVAL '1 month'
        AND (i.terminated_on IS NULL OR i.terminated_on >= lineless.period)
    )
)
SELECT GROUPING(a.product_id, p.category) AS grouping_level,
       a.product_id, p.category, SUM(a.amount), COUNT(DISTINCT a.customer_id)
FROM attributed a LEFT JOIN {product} p ON p.id = a.product_id
GROUP BY GROUPING SETS ((a.product_id, p.category), (p.category), ())
"""


def _revenue_by_product(scope: AnalysisScope) -> list[tuple]:
    customers_sql, customers_params = _customer_ids(scope).query.sql_with_params()
    sql = _REVENUE_BY_PRODUCT_SQL.format(
        bill=Bill._meta.db_table,
        line=BillLine._meta.db_table,
        instance=ProductInstance._meta.db_table,
        product=Product._meta.db_table,
        customers=customers_sql,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*customers_params, scope.start, scope.end])
        return cursor.fetchall()


def _active_instances(scope: AnalysisScope) -> Q:
    """Instances in service on the period's last day."""
    return Q(activated_on__lte=scope.last_day) & (
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=scope.last_day)
    )


def product_composition(scope: AnalysisScope) -> dict:
    """R2.5.2: customers, revenue and product instances by product and by product category.

    ``revenue`` is the amount billed (due) in the period's bills, split per product as the
    SQL above explains; ``billed_customers`` are the customers with such revenue;
    ``instances`` and ``holders`` count the instances in service at the period's end and
    the customers holding them; ``new_instances`` were activated within the period.
    """
    instances = ProductInstance.objects.filter(customer__in=_customer_ids(scope))
    in_period = Q(activated_on__gte=scope.start, activated_on__lte=scope.last_day)
    instance_counts = {
        "instances": Count("pk", filter=_active_instances(scope)),
        "holders": Count("customer", filter=_active_instances(scope), distinct=True),
        "new_instances": Count("pk", filter=in_period),
    }
    per_product = {
        row["product"]: row
        for row in instances.order_by().values("product").annotate(**instance_counts)
    }
    per_category = {
        row["product__category"]: row
        for row in instances.order_by().values("product__category").annotate(**instance_counts)
    }
    revenue_rows = _revenue_by_product(scope)
    product_revenue, category_revenue = {}, {}
    total_revenue, total_billed = Decimal(0), 0
    # GROUPING() sets a bit per column left out: 0 per product, 0b10 per category, 0b11 total.
    for level, product_id, category, amount, billed in revenue_rows:
        if level == 0:
            product_revenue[product_id] = (amount, billed)
        elif level == 0b10:
            category_revenue[category] = (amount, billed)
        else:
            total_revenue, total_billed = amount or Decimal(0), billed

    wanted = set(per_product) | {pk for pk in product_revenue if pk is not None}
    products = Product.objects.filter(pk__in=wanted).order_by("code")
    empty = {"instances": 0, "holders": 0, "new_instances": 0}
    by_product = []
    for product in products:
        counts = per_product.get(product.pk, empty)
        amount, billed = product_revenue.get(product.pk, (0, 0))
        by_product.append(
            {
                "product_id": product.pk,
                "code": product.code,
                "label": product.name,
                "category": product.category,
                "revenue": _money(amount),
                "billed_customers": billed,
                "instances": counts["instances"],
                "holders": counts["holders"],
                "new_instances": counts["new_instances"],
            }
        )
    if None in product_revenue:
        amount, billed = product_revenue[None]
        by_product.append(
            {
                "product_id": None,
                "code": "",
                "label": _("Not attributable to a product"),
                "category": None,
                "revenue": _money(amount),
                "billed_customers": billed,
                **empty,
            }
        )
    by_product.sort(key=lambda row: (-row["revenue"], row["code"]))

    categories = dict(ProductCategory.choices)
    by_category = []
    for key in (set(per_category) | set(category_revenue)) - {None}:
        counts = per_category.get(key, empty)
        amount, billed = category_revenue.get(key, (0, 0))
        by_category.append(
            {
                "key": key,
                "label": str(categories.get(key, key)),
                "revenue": _money(amount),
                "billed_customers": billed,
                "instances": counts["instances"],
                "holders": counts["holders"],
                "new_instances": counts["new_instances"],
            }
        )
    by_category.sort(key=lambda row: (-row["revenue"], row["key"]))
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "total_revenue": _money(total_revenue),
        "billed_customers": total_billed,
        "by_product": by_product,
        "by_category": by_category,
    }


# --- R2.5.3 satisfaction -----------------------------------------------------------------------


def _average(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def satisfaction(scope: AnalysisScope) -> dict:
    """R2.5.3: average normalised score (0–100) by level, industry and month, and the
    distribution of scores in ten bands labelled 0–10 … 90–100; a band holds its lower
    bound but not its upper one, except the last, which holds 100."""
    scores = SatisfactionScore.objects.filter(
        customer__in=_customer_ids(scope),
        surveyed_on__gte=scope.start,
        surveyed_on__lte=scope.last_day,
    ).order_by()
    overall = scores.aggregate(average=Avg("score"), count=Count("pk"))

    def by(field, choices):
        labels = dict(choices)
        rows = scores.values(field).annotate(average=Avg("score"), count=Count("pk"))
        result = [
            {
                "key": row[field],
                "label": str(labels.get(row[field], row[field]))
                if row[field]
                else _("Not recorded"),
                "average": _average(row["average"]),
                "count": row["count"],
            }
            for row in rows
        ]
        order = {key: i for i, (key, _label) in enumerate(choices)}
        return sorted(result, key=lambda row: (order.get(row["key"], len(order)), row["key"]))

    monthly = {
        row["month"]: row
        for row in scores.annotate(month=TruncMonth("surveyed_on"))
        .values("month")
        .annotate(average=Avg("score"), count=Count("pk"))
    }
    bands = dict(
        scores.annotate(band=Least(Cast(Floor(F("score") / 10), IntegerField()), Value(9)))
        .values("band")
        .annotate(count=Count("pk"))
        .values_list("band", "count")
    )
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "average": _average(overall["average"]),
        "count": overall["count"],
        "by_level": by("customer__level", CustomerLevel.choices),
        "by_industry": by("customer__industry", IndustrySection.choices),
        "by_month": {
            "months": [_month_key(m) for m in scope.months],
            "average": [
                _average(monthly[m]["average"]) if m in monthly else None for m in scope.months
            ],
            "count": [monthly[m]["count"] if m in monthly else 0 for m in scope.months],
        },
        "distribution": [
            {
                "label": f"{band * 10}–{band * 10 + 10}",
                "count": bands.get(band, 0),
            }
            for band in range(10)
        ],
    }


# --- R2.5.4 revenue and value ------------------------------------------------------------------


def _growth(current, previous) -> Decimal | None:
    if current is None or not previous:
        return None
    return _percent(current - previous, previous)


def expected_lifetime_months(churned: int, customer_months: int) -> Decimal:
    """1 / monthly churn rate, capped at ``MAX_LIFETIME_MONTHS`` (also when nobody churned).

    The monthly churn rate is the customers churned in the period divided by the sum, over
    the period's months, of the customers active at each month's start (customer-months).
    """
    cap = Decimal(MAX_LIFETIME_MONTHS)
    if not churned or not customer_months:
        return cap
    return min(cap, (Decimal(customer_months) / Decimal(churned)).quantize(TENTH))


def value(scope: AnalysisScope, top_n: int = DEFAULT_TOP_N) -> dict:
    """R2.5.4: paid revenue, ARPU and growth per month, customer lifetime value, top-N.

    - Revenue of a month = the amounts paid on the bills of that billing month.
    - ARPU = revenue / active customers at the month's end (``active_customers_per_month``).
    - Growth: month-on-month and year-on-year change of revenue in %, ``None`` when the
      earlier month has no revenue.
    - Customer lifetime value (CLV) = the customer's average monthly paid revenue over the
      months in the period in which it was billed × the expected lifetime in months, where
      expected lifetime = 1 / monthly churn rate of the customers in scope over the period
      (see ``expected_lifetime_months``), capped at 120 months. The page shows the average
      CLV of billed customers and the CLV of each top customer.
    - Top-N: the customers with the highest paid revenue in the period.
    """
    customer_ids = _customer_ids(scope)
    year_before = scope.start - relativedelta(years=1)
    paid = dict(
        Bill.objects.filter(
            customer__in=customer_ids, period__gte=year_before, period__lte=scope.end
        )
        .order_by()
        .values("period")
        .annotate(paid=Sum("amount_paid"))
        .values_list("period", "paid")
    )
    activity = active_customers_per_month(scope)
    rows = []
    for i, month in enumerate(scope.months):
        revenue = paid.get(month, Decimal(0))
        active = activity["active"][i]
        rows.append(
            {
                "month": _month_key(month),
                "revenue": _money(revenue),
                "active_customers": active,
                "arpu": _money(revenue / active) if active else None,
                "mom": _growth(revenue, paid.get(month - relativedelta(months=1))),
                "yoy": _growth(revenue, paid.get(month - relativedelta(years=1))),
            }
        )

    customer_months = sum(activity["active_at_start"])
    lifetime = expected_lifetime_months(activity["churned"], customer_months)
    in_period = Bill.objects.filter(
        customer__in=customer_ids, period__gte=scope.start, period__lte=scope.end
    ).order_by()
    per_customer = (
        in_period.values("customer")
        .annotate(
            revenue=Sum("amount_paid"),
            billed_months=Count("period", distinct=True),
        )
        .annotate(
            monthly=ExpressionWrapper(
                F("revenue") / F("billed_months"), output_field=DecimalField()
            )
        )
    )
    monthly_average = Subquery(
        per_customer.filter(customer=OuterRef("pk")).values("monthly")[:1],
        output_field=DecimalField(),
    )
    clv_base = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(monthly=monthly_average)
        .filter(monthly__isnull=False)
        .aggregate(average=Avg("monthly"), count=Count("pk"))
    )
    top = list(
        per_customer.values(
            "customer",
            "customer__number",
            "customer__name",
            "customer__level",
            "revenue",
            "billed_months",
            "monthly",
        ).order_by("-revenue", "customer")[:top_n]
    )
    levels = dict(CustomerLevel.choices)
    total = sum((row["revenue"] for row in rows), Decimal(0))
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "total_revenue": _money(total),
        "months": rows,
        "churn": {
            "churned": activity["churned"],
            "customer_months": customer_months,
            "monthly_rate": _percent(activity["churned"], customer_months),
            "expected_lifetime_months": lifetime,
        },
        "clv": {
            "billed_customers": clv_base["count"],
            "average_monthly_revenue": _money(clv_base["average"]),
            "average": _money((clv_base["average"] or 0) * lifetime),
        },
        "top": [
            {
                "rank": rank,
                "customer_id": row["customer"],
                "number": row["customer__number"],
                "name": row["customer__name"],
                "level": str(levels.get(row["customer__level"], row["customer__level"])),
                "revenue": _money(row["revenue"]),
                "billed_months": row["billed_months"],
                "average_monthly_revenue": _money(row["monthly"]),
                "clv": _money(row["monthly"] * lifetime),
                "url": f"/customers/{row['customer']}/",
            }
            for rank, row in enumerate(top, start=1)
        ],
    }


# --- R2.5.5 product and price ------------------------------------------------------------------


def pricing(scope: AnalysisScope) -> dict:
    """R2.5.5: uptake (new instances per month and product), average monthly fee against the
    list price per product, and the distribution of discounts.

    Discount of a product = 1 − avg(monthly fee) / list price, over the instances in service
    at any time in the period; the distribution puts each such instance in a 10 % band of
    its own discount (1 − fee / list price), with fees at or above list price in a band of
    their own. Products with a list price of 0 have no discount.
    """
    instances = ProductInstance.objects.filter(customer__in=_customer_ids(scope)).order_by()
    new = (
        instances.filter(activated_on__gte=scope.start, activated_on__lte=scope.last_day)
        .annotate(month=TruncMonth("activated_on"))
        .values("month", "product")
        .annotate(count=Count("pk"))
    )
    uptake_counts = {(row["product"], row["month"]): row["count"] for row in new}
    in_service = instances.filter(activated_on__lte=scope.last_day).filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__gte=scope.start)
    )
    fees = {
        row["product"]: row
        for row in in_service.values("product").annotate(
            average_fee=Avg("monthly_fee"), count=Count("pk")
        )
    }
    products = list(
        Product.objects.filter(pk__in={p for p, _m in uptake_counts} | set(fees)).order_by("code")
    )
    uptake = [
        {
            "product_id": product.pk,
            "label": product.name,
            "counts": [uptake_counts.get((product.pk, m), 0) for m in scope.months],
            "total": sum(uptake_counts.get((product.pk, m), 0) for m in scope.months),
        }
        for product in products
        if any(p == product.pk for p, _m in uptake_counts)
    ]
    price_rows = []
    for product in products:
        if product.pk not in fees:
            continue
        average_fee = _money(fees[product.pk]["average_fee"])
        discount = (
            _percent(product.monthly_price - average_fee, product.monthly_price)
            if product.monthly_price > 0
            else None
        )
        price_rows.append(
            {
                "product_id": product.pk,
                "code": product.code,
                "label": product.name,
                "list_price": _money(product.monthly_price),
                "average_fee": average_fee,
                "discount": discount,
                "instances": fees[product.pk]["count"],
            }
        )

    ratio = ExpressionWrapper(
        F("monthly_fee") / F("product__monthly_price"), output_field=DecimalField()
    )
    bands = dict(
        in_service.filter(product__monthly_price__gt=0)
        .annotate(
            band=Case(
                When(monthly_fee__gte=F("product__monthly_price"), then=Value(-1)),
                default=Least(Cast(Floor((1 - ratio) * 10), IntegerField()), Value(9)),
                output_field=IntegerField(),
            )
        )
        .values("band")
        .annotate(count=Count("pk"))
        .values_list("band", "count")
    )
    distribution = [{"label": _("No discount"), "count": bands.get(-1, 0)}] + [
        {"label": f"{band * 10}–{band * 10 + 10}%", "count": bands.get(band, 0)}
        for band in range(10)
    ]
    return {
        "period": {"from": _month_key(scope.start), "to": _month_key(scope.end)},
        "uptake": {"months": [_month_key(m) for m in scope.months], "products": uptake},
        "prices": price_rows,
        "discount_distribution": distribution,
    }
