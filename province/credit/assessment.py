"""The credit formula and the set-based assessment run (R2.3.1).

Formula (docs/credit.md has worked examples). For a run "as of" day *D*, the window is the
12 billing months before *D*'s month (``period`` from the first day of the month twelve
months before *D*'s month up to, not including, the first day of *D*'s month).

- **Payment history, 50 points**: ``on_time_ratio = bills paid on time / bills due``, over
  the window's bills whose due date is before *D*. A bill is paid on time when
  ``amount_paid ≥ amount_due`` and ``paid_on ≤ due_date``. No bill due yet counts as 1.
  Points = ``50 × on_time_ratio``.
- **Arrears, 20 points**: ``arrears`` = Σ (amount_due − amount_paid) of every bill (of any
  age) whose due date is before *D* and that is not fully paid.
  ``avg_monthly_bill = round(Σ amount_due of the window's bills / 12, 2)``.
  Points = ``20 × max(0, 1 − arrears / avg_monthly_bill)``: one month of average billing in
  arrears costs all 20 points. With no billing: 20 points without arrears, 0 with.
- **Tenure, 15 points**: ``tenure_years`` = completed years from ``Customer.joined_on`` to
  *D*, capped at 10. Points = ``15 × tenure_years / 10``.
- **Level, 15 points**: standard 0, silver 5, gold 10, diamond 15.

``score = round(sum, 2)`` (0–100). The grade is the active policy's highest grade whose
``min_score ≤ score`` (default A ≥ 85, B ≥ 70, C ≥ 50, D otherwise) and
``credit_limit = round(avg_monthly_bill × the grade's multiplier)`` in whole yuan (default
A 3.0, B 2.0, C 1.0, D 0).

Example: 12 monthly bills of 1000 all paid on time, 6 years, gold: 50 + 20 + 9 + 10 = 89 →
A, limit 3000.

The run is two SQL statements in one transaction, whatever the number of customers: an
``INSERT … SELECT`` with CTEs over the bill aggregates writes one ``CreditAssessment`` per
assessed customer (active or suspended, not merged), and an ``UPDATE … FROM`` applies the
results that differ from the customer's current grade/limit, unless a manual override is in
force (the customer's latest approved change request, while its ``keep_until`` is empty or
not yet past), writing the customer's history row and a ``CreditChange`` in the same statement.
A second run on unchanged data therefore changes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection

from province.credit.choices import ChangeSource
from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditChangeRequest,
    CreditGradeRule,
)
from province.customers.choices import CustomerLevel, CustomerStatus
from province.customers.models import Bill, Customer

WEIGHT_PAYMENT = 50
WEIGHT_ARREARS = 20
WEIGHT_TENURE = 15
TENURE_CAP_YEARS = 10
LEVEL_POINTS = {
    CustomerLevel.STANDARD: 0,
    CustomerLevel.SILVER: 5,
    CustomerLevel.GOLD: 10,
    CustomerLevel.DIAMOND: 15,
}
WINDOW_MONTHS = 12
ASSESSED_STATUSES = (CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED)


@dataclass(frozen=True)
class AssessmentResult:
    assessed: int
    changed: int


def window_for(as_of: date) -> tuple[date, date]:
    """The 12 billing months before ``as_of``'s month: ``[start, end)`` as period days."""
    end = as_of.replace(day=1)
    months = end.year * 12 + end.month - 1 - WINDOW_MONTHS
    return date(months // 12, months % 12 + 1, 1), end


def _level_points_sql() -> str:
    # The values are our own constants, not user input, so they are inlined.
    whens = " ".join(f"WHEN '{level}' THEN {points}" for level, points in LEVEL_POINTS.items())
    return f"CASE c.level {whens} ELSE 0 END"


def _insert_assessments_sql() -> str:
    return f"""
WITH window_bills AS (
    SELECT b.customer_id,
           SUM(b.amount_due) AS billed,
           COUNT(*) FILTER (WHERE b.due_date < %(as_of)s) AS bills_due,
           COUNT(*) FILTER (
               WHERE b.due_date < %(as_of)s
                 AND b.amount_paid >= b.amount_due
                 AND b.paid_on <= b.due_date
           ) AS bills_on_time
    FROM {Bill._meta.db_table} b
    WHERE b.period >= %(window_start)s AND b.period < %(window_end)s
    GROUP BY b.customer_id
),
overdue AS (
    SELECT b.customer_id, SUM(b.amount_due - b.amount_paid) AS arrears
    FROM {Bill._meta.db_table} b
    WHERE b.due_date < %(as_of)s AND b.amount_paid < b.amount_due
    GROUP BY b.customer_id
),
overrides AS (
    -- Only the latest approved manual change counts: a newer one with a keep_until ends
    -- an older open-ended override.
    SELECT latest.customer_id
    FROM (
        SELECT DISTINCT ON (r.customer_id) r.customer_id, r.keep_until
        FROM {CreditChangeRequest._meta.db_table} r
        WHERE r.status = 'approved'
        ORDER BY r.customer_id, r.decided_at DESC, r.id DESC
    ) latest
    WHERE latest.keep_until IS NULL OR latest.keep_until >= %(as_of)s
),
inputs AS (
    SELECT c.id AS customer_id,
           c.credit_grade AS previous_grade,
           c.credit_limit AS previous_limit,
           COALESCE(w.bills_due, 0) AS bills_due,
           COALESCE(w.bills_on_time, 0) AS bills_on_time,
           ROUND(COALESCE(w.billed, 0) / %(window_months)s, 2) AS avg_monthly_bill,
           COALESCE(o.arrears, 0) AS arrears,
           LEAST(GREATEST(EXTRACT(YEAR FROM AGE(%(as_of)s, c.joined_on))::int, 0),
                 %(tenure_cap)s) AS tenure_years,
           {_level_points_sql()} AS level_points,
           ov.customer_id IS NOT NULL AS overridden
    FROM {Customer._meta.db_table} c
    LEFT JOIN window_bills w ON w.customer_id = c.id
    LEFT JOIN overdue o ON o.customer_id = c.id
    LEFT JOIN overrides ov ON ov.customer_id = c.id
    WHERE c.merged_into_id IS NULL AND c.status = ANY(%(statuses)s)
),
ratios AS (
    SELECT i.*,
           CASE WHEN i.bills_due = 0 THEN 1::numeric
                ELSE i.bills_on_time::numeric / i.bills_due END AS on_time_exact,
           CASE WHEN i.avg_monthly_bill = 0
                THEN CASE WHEN i.arrears = 0 THEN 1::numeric ELSE 0::numeric END
                ELSE GREATEST(0::numeric, 1 - i.arrears / i.avg_monthly_bill) END AS arrears_factor
    FROM inputs i
),
scored AS (
    SELECT r.*,
           ROUND(%(w_payment)s * r.on_time_exact
                 + %(w_arrears)s * r.arrears_factor
                 + %(w_tenure)s * r.tenure_years::numeric / %(tenure_cap)s
                 + r.level_points, 2) AS score
    FROM ratios r
),
graded AS (
    SELECT s.*, g.grade, ROUND(s.avg_monthly_bill * g.limit_multiplier, 0) AS new_limit
    FROM scored s
    CROSS JOIN LATERAL (
        SELECT rule.grade, rule.limit_multiplier
        FROM {CreditGradeRule._meta.db_table} rule
        WHERE rule.policy_id = %(policy_id)s AND rule.min_score <= s.score
        ORDER BY rule.min_score DESC
        LIMIT 1
    ) g
)
INSERT INTO {CreditAssessment._meta.db_table} (
    customer_id, policy_id, computed_at, as_of, score, grade, credit_limit, bills_due,
    bills_on_time, on_time_ratio, arrears, tenure_years, avg_monthly_bill, previous_grade,
    previous_limit, applied
)
SELECT customer_id, %(policy_id)s, %(now)s, %(as_of)s, score, grade, new_limit, bills_due,
       bills_on_time, ROUND(on_time_exact, 4), arrears, tenure_years, avg_monthly_bill,
       previous_grade, previous_limit,
       NOT overridden AND (grade <> previous_grade OR new_limit <> previous_limit)
FROM graded
"""  # noqa: S608 (table names and level codes are ours; values are parameters)


def _apply_sql() -> str:
    history = Customer.history.model
    columns = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"""
WITH changed AS (
    UPDATE {Customer._meta.db_table} c
    SET credit_grade = a.grade, credit_limit = a.credit_limit, updated_at = %(now)s
    FROM {CreditAssessment._meta.db_table} a
    WHERE a.computed_at = %(now)s AND a.applied AND a.customer_id = c.id
    RETURNING c.*
),
customer_history AS (
    -- The customer's own change history (R2.1.2) records the run like any other edit.
    INSERT INTO {history._meta.db_table} (
        {cols}, history_date, history_change_reason, history_type, history_user_id
    )
    SELECT {cols}, %(now)s, %(short_reason)s, '~', %(actor_id)s FROM changed
)
INSERT INTO {CreditChange._meta.db_table} (
    customer_id, from_grade, to_grade, from_limit, to_limit, source, actor_id, at, reason,
    assessment_id, request_id
)
SELECT a.customer_id, a.previous_grade, a.grade, a.previous_limit, a.credit_limit,
       %(source)s, %(actor_id)s, %(now)s, %(reason)s, a.id, NULL
FROM {CreditAssessment._meta.db_table} a
WHERE a.computed_at = %(now)s AND a.applied
"""  # noqa: S608 (table and column names come from our models)


def run_assessment(
    *, policy_id: int, as_of: date, now, actor_id: int | None, reason: str
) -> AssessmentResult:
    """Assess every customer and apply the changes; the caller holds the transaction."""
    window_start, window_end = window_for(as_of)
    params = {
        "as_of": as_of,
        "window_start": window_start,
        "window_end": window_end,
        "window_months": WINDOW_MONTHS,
        "tenure_cap": TENURE_CAP_YEARS,
        "w_payment": WEIGHT_PAYMENT,
        "w_arrears": WEIGHT_ARREARS,
        "w_tenure": WEIGHT_TENURE,
        "statuses": [str(s) for s in ASSESSED_STATUSES],
        "policy_id": policy_id,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_insert_assessments_sql(), params)
        assessed = cursor.rowcount
        cursor.execute(
            _apply_sql(),
            {
                "now": now,
                "actor_id": actor_id,
                "reason": reason[:500],
                "short_reason": reason[:100],
                "source": ChangeSource.ASSESSMENT.value,
            },
        )
        changed = cursor.rowcount
    return AssessmentResult(assessed=assessed, changed=changed)
