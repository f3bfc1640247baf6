"""The earning rules in force for a billing month and the accrual run's statement (R2.4.2).

``rules_for`` picks the rules that apply; ``accrual_sql``/``accrual_params`` turn them into
the one set-based statement a chunk of the accrual run executes (``services.execute_accrual``).

Precedence (R2.4.2, "national standards published by HQ with provincial extensions"):

- A rule is *in force* for a billing month when it is active and its validity
  (``valid_from`` … ``valid_to``, both inclusive, ``valid_to`` empty = open) overlaps that
  month on at least one day; a run applies the rules of its month to all the month's bills.
- Rules compete for a *slot*: ``base``; ``level_multiplier`` per level; ``product`` per
  product; ``bonus``/``penalty`` per condition, and a campaign bonus per campaign code
  (``parameter``), so several campaigns can run side by side.
- In each slot one rule wins: a provincial rule beats a national one; among rules of the
  same scope the one with the latest ``valid_from`` wins, then the highest id (the newest).
- Rules the run does not understand are ignored (a bonus without one of the conditions
  tenure / on time / campaign, a penalty other than "paid late"); the rule editor refuses
  to create them.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from province.customers.choices import BillStatus
from province.loyalty import ledger
from province.loyalty.choices import RuleCondition, RuleKind, RuleScope
from province.loyalty.models import EarningRule, ValidityPolicy

BONUS_CONDITIONS = (
    RuleCondition.PAID_ON_TIME,
    RuleCondition.TENURE_YEARS_AT_LEAST,
    RuleCondition.CAMPAIGN,
)
PENALTY_CONDITIONS = (RuleCondition.PAID_LATE,)


def month_end(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def years_before(day: date, years: int) -> date:
    """``day`` moved back ``years`` years (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def tenure_years(rule: EarningRule) -> int | None:
    """N of a "tenure of at least N years" condition, or None if it is not a whole number."""
    text = (rule.parameter or "").strip()
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class AccrualRules:
    """The rules in force for one billing month (R2.4.2), one per slot (see the module)."""

    base: EarningRule | None
    multipliers: dict[str, Decimal]
    years_after: int
    products: dict[int, EarningRule] = field(default_factory=dict)
    bonuses: tuple[EarningRule, ...] = ()
    penalty: EarningRule | None = None

    @property
    def on_time(self) -> EarningRule | None:
        return next((r for r in self.bonuses if r.condition == RuleCondition.PAID_ON_TIME), None)

    @property
    def product_campaigns(self) -> tuple[EarningRule, ...]:
        return tuple(
            r for r in self.bonuses if r.condition == RuleCondition.CAMPAIGN and r.product_id
        )

    @property
    def needs_customer(self) -> bool:
        return bool(self.multipliers) or any(
            r.condition == RuleCondition.TENURE_YEARS_AT_LEAST or r.level for r in self.bonuses
        )

    @property
    def needs_lines(self) -> bool:
        return bool(self.products) or bool(self.product_campaigns)


def _slot(rule: EarningRule) -> tuple | None:
    if rule.kind == RuleKind.BASE:
        return (rule.kind,)
    if rule.kind == RuleKind.LEVEL_MULTIPLIER:
        return (rule.kind, rule.level)
    if rule.kind == RuleKind.PRODUCT:
        return (rule.kind, rule.product_id)
    if rule.kind == RuleKind.BONUS and rule.condition in BONUS_CONDITIONS:
        if rule.condition == RuleCondition.TENURE_YEARS_AT_LEAST and tenure_years(rule) is None:
            return None
        if rule.condition == RuleCondition.CAMPAIGN:
            return (rule.kind, rule.condition, rule.parameter.strip())
        return (rule.kind, rule.condition)
    if rule.kind == RuleKind.PENALTY and rule.condition in PENALTY_CONDITIONS:
        return (rule.kind, rule.condition)
    return None


def rules_in_force(period: date):
    """Active rules whose validity overlaps the billing month of ``period``."""
    period = period.replace(day=1)
    return EarningRule.objects.filter(is_active=True, valid_from__lte=month_end(period)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period)
    )


def rules_for(period: date) -> AccrualRules:
    """The winning rule of every slot for the billing month of ``period`` (module docstring)."""
    candidates = rules_in_force(period).order_by("-valid_from", "-id")
    # A stable sort keeps "latest valid_from, then newest" within each scope.
    ordered = sorted(candidates, key=lambda r: r.scope != RuleScope.PROVINCIAL)
    winners: dict[tuple, EarningRule] = {}
    for rule in ordered:
        slot = _slot(rule)
        if slot is not None:
            winners.setdefault(slot, rule)
    policy = ValidityPolicy.objects.filter(is_active=True).first()
    rules = list(winners.values())
    return AccrualRules(
        base=winners.get((RuleKind.BASE,)),
        multipliers={r.level: r.multiplier for r in rules if r.kind == RuleKind.LEVEL_MULTIPLIER},
        years_after=policy.years_after if policy is not None else ledger.DEFAULT_YEARS_AFTER,
        products={r.product_id: r for r in rules if r.kind == RuleKind.PRODUCT},
        # A stable order of the bonus rows keeps the entry ids of a chunk reproducible.
        bonuses=tuple(sorted((r for r in rules if r.kind == RuleKind.BONUS), key=lambda r: r.pk)),
        penalty=winners.get((RuleKind.PENALTY, RuleCondition.PAID_LATE)),
    )


# --- the statement -----------------------------------------------------------------------

ELIGIBLE = "b.period = %(period)s AND b.status = %(paid)s AND b.amount_paid > 0"
# The next chunk: its last bill id and size.
ACCRUAL_BOUNDS_SQL = f"""
SELECT max(id), count(*) FROM (
    SELECT b.id FROM customers_bill b
    WHERE {ELIGIBLE} AND b.id > %(lo)s ORDER BY b.id LIMIT %(n)s
) s"""  # noqa: S608

# The share of a bill's product lines that was paid: a paid bill is normally paid in full
# (share 1); a bill paid short scales its lines down pro rata; money paid beyond the lines
# (or beyond the amount due) earns at the base rate.
_PAID_SHARE = "LEAST(1, COALESCE(b.amount_paid / NULLIF(b.amount_due, 0), 0))"


def _bonus_select(i: int, rule: EarningRule) -> str:
    """One bonus rule's rows: ``bonus_points + floor(paid × points per yuan)`` per bill."""
    paid = "bl.amount_paid"
    where = []
    key = f"'bill:' || bl.id || ':rule:' || %(bonus_rule_{i})s::text"
    if rule.condition == RuleCondition.PAID_ON_TIME:
        key = "'bill:' || bl.id || ':ontime'"  # the key posted before rules had their own
        where.append("bl.on_time")
    elif rule.condition == RuleCondition.TENURE_YEARS_AT_LEAST:
        where.append(f"bl.joined_on <= %(tenure_cutoff_{i})s::date")
    if rule.condition == RuleCondition.CAMPAIGN and rule.product_id:
        paid = f"bl.campaign_paid_{i}"
        where.append(f"bl.campaign_paid_{i} > 0")
    if rule.level:
        where.append(f"bl.level = %(bonus_level_{i})s")
    return f"""
        UNION ALL
        SELECT bl.id, bl.customer_id, bl.earned_on, 'bonus', {key},
               (%(bonus_points_{i})s + floor({paid} * %(bonus_rate_{i})s::numeric))::int,
               %(bonus_rule_{i})s::bigint
        FROM bills bl WHERE {" AND ".join(where) or "true"}"""  # noqa: S608


def accrual_sql(rules: AccrualRules) -> str:
    """One chunk in one statement: the earn, bonus and penalty entries, the lots, the
    allocations of the penalties, the accounts (created on a customer's first points) and
    their balances (R2.4.2, R2.4.6).

    Earn = floor((amount paid × base rate + Σ product lines' paid share × (product rate −
    base rate)) × multiplier of the customer's level): a line of a product with a product
    rule earns that rule's points per yuan *instead of* the base rate; the rest of the bill
    earns the base rate; the level multiplier applies to the whole; one floor per bill.
    Bonuses (on time, tenure, campaigns) are separate entries, ``bonus_points + floor(paid ×
    points per yuan)``, without the level multiplier; a campaign limited to a product counts
    the paid share of that product's lines only. The late-payment penalty deducts
    ``bonus_points + floor(paid × points per yuan)`` from the bill's own earn, capped at it:
    the earn lot opens with the rest, and an allocation of the penalty to that lot keeps the
    ledger's rule "every debit consumes lots". A penalty is posted only with its bill's earn
    (never later, on a lot that might have been spent meanwhile).

    Only bills with status "paid" accrue: a partly paid bill accrues once it is paid in
    full and its month is run again. Idempotent per bill and rule: an entry whose key is
    already posted is left out (``bill:<id>:earn``, ``bill:<id>:ontime``,
    ``bill:<id>:rule:<rule id>``), so a rule added later posts its entries on a re-run.
    The entries are a plain INSERT, cheaper than ON CONFLICT: only an accrual run writes
    ``bill:`` keys and only one runs at a time, so a duplicate key can only mean a foreign
    writer; the unique index then fails the chunk (the run is marked failed and can be
    resumed). Entry ids are drawn up front so that the lots and balances are built from the
    same rows without reading the entries back. Bill lines and customers are read only when
    a rule in force needs them, so the common path (base rate, multipliers) stays one scan
    of the bills.
    """
    whens = " ".join(
        f"WHEN %(level_{i})s THEN %(mult_{i})s::numeric" for i in range(len(rules.multipliers))
    )
    multiplier = f"(CASE c.level {whens} ELSE 1 END)" if whens else "1"
    customer_cols, customer_join = "", ""
    if rules.needs_customer:
        customer_cols = ", c.level, c.joined_on"
        customer_join = "JOIN customers_customer c ON c.id = b.customer_id"
    rate = "b.amount_paid * %(rate)s::numeric"
    line_cols, line_join = "", ""
    if rules.needs_lines:
        sums = []
        if rules.products:
            product_whens = " ".join(
                f"WHEN %(product_{i})s THEN %(product_extra_{i})s::numeric"
                for i in range(len(rules.products))
            )
            sums.append(f"sum(li.amount_due * (CASE li.product_id {product_whens} ELSE 0 END))")
            rate = f"GREATEST(0, {rate} + {_PAID_SHARE} * COALESCE(ln.extra, 0))"
        else:
            sums.append("0")
        for i, rule in enumerate(rules.bonuses):
            if rule.condition == RuleCondition.CAMPAIGN and rule.product_id:
                sums.append(
                    f"sum(li.amount_due) FILTER (WHERE li.product_id = %(bonus_product_{i})s)"
                )
                line_cols += f", {_PAID_SHARE} * COALESCE(ln.c{i}, 0) AS campaign_paid_{i}"
        names = ["extra"] + [
            f"c{i}"
            for i, r in enumerate(rules.bonuses)
            if r.condition == RuleCondition.CAMPAIGN and r.product_id
        ]
        selected = ", ".join(f"{expr} AS {name}" for expr, name in zip(sums, names, strict=True))
        line_join = f"""
        LEFT JOIN LATERAL (
            SELECT {selected} FROM customers_billline li
            WHERE li.bill_id = b.id AND li.product_id = ANY(%(line_products)s)
        ) ln ON true"""  # noqa: S608
    bonus = "".join(_bonus_select(i, rule) for i, rule in enumerate(rules.bonuses))

    penalty_ctes, penalty_entries, lot_remaining, lots_returning = "", "", "f.points", ""
    penalty_allocations, penalty_balances = "", ""
    if rules.penalty is not None:
        penalty_ctes = """
    penalties AS MATERIALIZED (
        SELECT nextval(%(entry_seq)s::regclass) AS id, f.id AS earn_id, f.customer_id,
               'bill:' || f.bill_id || ':rule:' || %(penalty_rule)s::text AS key,
               'bill:' || f.bill_id AS reference,
               LEAST(f.points, %(penalty_points)s
                     + floor(bl.amount_paid * %(penalty_rate)s::numeric))::int AS points
        FROM fresh f JOIN bills bl ON bl.id = f.bill_id
        WHERE f.kind = 'earn' AND bl.late
          AND %(penalty_points)s + floor(bl.amount_paid * %(penalty_rate)s::numeric) > 0
        ORDER BY f.id
    ),"""
        penalty_entries = """
        UNION ALL
        SELECT p.id, 'penalty', p.customer_id, -p.points, p.key, p.reference,
               %(penalty_rule)s::bigint
        FROM penalties p"""
        lot_remaining = "f.points - COALESCE(p.points, 0)"
        lots_returning = "RETURNING id, entry_id"
        penalty_allocations = """
    allocations AS (
        INSERT INTO loyalty_pointsallocation (entry_id, lot_id, points)
        SELECT p.id, l.id, p.points FROM penalties p JOIN lots l ON l.entry_id = p.earn_id
    ),"""
        penalty_balances = "UNION ALL SELECT p.customer_id, -p.points FROM penalties p"
    lot_join = "LEFT JOIN penalties p ON p.earn_id = f.id" if rules.penalty is not None else ""
    return f"""
    WITH bills AS MATERIALIZED (
        SELECT b.id, b.customer_id, b.amount_paid,
               floor({rate} * {multiplier})::int AS points,
               COALESCE(b.paid_on, %(period_end)s::date) AS earned_on,
               (b.paid_on IS NOT NULL AND b.paid_on <= b.due_date) AS on_time,
               (b.paid_on IS NOT NULL AND b.paid_on > b.due_date) AS late
               {customer_cols} {line_cols}
        FROM customers_bill b {customer_join} {line_join}
        WHERE {ELIGIBLE} AND b.id > %(lo)s AND b.id <= %(hi)s
    ),
    computed (bill_id, customer_id, earned_on, kind, key, points, rule_id) AS (
        SELECT bl.id, bl.customer_id, bl.earned_on, 'earn', 'bill:' || bl.id || ':earn',
               bl.points, %(base_rule)s::bigint
        FROM bills bl {bonus}
    ),
    fresh AS MATERIALIZED (
        SELECT nextval(%(entry_seq)s::regclass) AS id, s.*
        FROM (
            SELECT cp.* FROM computed cp
            WHERE cp.points > 0 AND NOT EXISTS (
                SELECT FROM loyalty_pointsentry e WHERE e.idempotency_key = cp.key OFFSET 0
            )
            ORDER BY cp.bill_id, cp.kind DESC, cp.rule_id
        ) s
    ),{penalty_ctes}
    inserted AS (
        INSERT INTO loyalty_pointsentry
               (id, kind, customer_id, points, idempotency_key, reference, rule_id)
        SELECT f.id, f.kind, f.customer_id, f.points, f.key, 'bill:' || f.bill_id, f.rule_id
        FROM fresh f {penalty_entries}
    ),
    lots AS (
        INSERT INTO loyalty_pointslot
               (entry_id, customer_id, points, remaining, earned_on, expires_at)
        SELECT f.id, f.customer_id, f.points, {lot_remaining}, f.earned_on,
               make_date(extract(year FROM f.earned_on)::int + %(years)s, 12, 31)
        FROM fresh f {lot_join}
        {lots_returning}
    ),{penalty_allocations}
    balances AS (
        INSERT INTO loyalty_pointsaccount AS a (customer_id, balance, updated_at)
        SELECT m.customer_id, sum(m.points), now()
        FROM (SELECT f.customer_id, f.points FROM fresh f {penalty_balances}) m
        GROUP BY m.customer_id ORDER BY m.customer_id
        ON CONFLICT (customer_id) DO UPDATE
        SET balance = a.balance + excluded.balance, updated_at = excluded.updated_at
    )
    SELECT (SELECT count(*) FROM bills),
           (SELECT count(*) FROM fresh) {"+ (SELECT count(*) FROM penalties)" if rules.penalty is not None else ""},
           (SELECT COALESCE(sum(f.points), 0) FROM fresh f)
           {"- (SELECT COALESCE(sum(p.points), 0) FROM penalties p)" if rules.penalty is not None else ""}
    """  # noqa: S608 (only placeholders and our table names are interpolated)


def accrual_params(period: date, rules: AccrualRules) -> dict:
    """The parameters of ``accrual_sql(rules)`` for the billing month ``period``."""
    end = month_end(period)
    base_rate = rules.base.points_per_yuan
    params = {
        "period": period,
        "period_end": end,
        "paid": BillStatus.PAID.value,
        "rate": base_rate,
        "base_rule": rules.base.pk,
        "years": rules.years_after,
    }
    for i, (level, multiplier) in enumerate(sorted(rules.multipliers.items())):
        params[f"level_{i}"] = level
        params[f"mult_{i}"] = multiplier
    products = sorted(rules.products.items())
    for i, (product_id, rule) in enumerate(products):
        params[f"product_{i}"] = product_id
        params[f"product_extra_{i}"] = rule.points_per_yuan - base_rate
    line_products = {product_id for product_id, _rule in products}
    for i, rule in enumerate(rules.bonuses):
        params |= {
            f"bonus_points_{i}": rule.bonus_points,
            f"bonus_rate_{i}": rule.points_per_yuan,
            f"bonus_rule_{i}": rule.pk,
        }
        if rule.level:
            params[f"bonus_level_{i}"] = rule.level
        if rule.condition == RuleCondition.TENURE_YEARS_AT_LEAST:
            params[f"tenure_cutoff_{i}"] = years_before(end, tenure_years(rule))
        if rule.condition == RuleCondition.CAMPAIGN and rule.product_id:
            params[f"bonus_product_{i}"] = rule.product_id
            line_products.add(rule.product_id)
    if rules.needs_lines:
        params["line_products"] = sorted(line_products)
    if rules.penalty is not None:
        params |= {
            "penalty_points": rules.penalty.bonus_points,
            "penalty_rate": rules.penalty.points_per_yuan,
            "penalty_rule": rules.penalty.pk,
        }
    return params
