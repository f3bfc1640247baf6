"""The ledger invariant (DESIGN.md §5, issue 4 item 9), checked set-based in SQL.

For every customer: ``balance`` = Σ points of entries other than holds/releases = Σ
remainders of open (not expired) lots; ``held`` = −Σ points of holds and releases. For
every lot: remainder = points − what debits consumed + what reversals returned (0 once
expired). For every allocating entry: Σ allocations = |points|. And the references that
carry no database constraint (see the models): every lot has its entry, of the lot's
customer, and every entry's rule exists.
"""

from dataclasses import dataclass

from django.db import connection

ACCOUNTS_SQL = """
WITH e AS (
    SELECT customer_id,
           COALESCE(sum(points) FILTER (WHERE kind NOT IN ('hold', 'release')), 0) AS balance,
           COALESCE(-sum(points) FILTER (WHERE kind IN ('hold', 'release')), 0) AS held
    FROM loyalty_pointsentry GROUP BY customer_id
),
l AS (
    SELECT customer_id, COALESCE(sum(remaining) FILTER (WHERE NOT expired), 0) AS remaining
    FROM loyalty_pointslot GROUP BY customer_id
)
SELECT COALESCE(a.customer_id, e.customer_id, l.customer_id),
       COALESCE(a.balance, 0), COALESCE(a.held, 0),
       COALESCE(e.balance, 0), COALESCE(e.held, 0), COALESCE(l.remaining, 0)
FROM loyalty_pointsaccount a
FULL JOIN e ON e.customer_id = a.customer_id
FULL JOIN l ON l.customer_id = COALESCE(a.customer_id, e.customer_id)
WHERE COALESCE(a.balance, 0) <> COALESCE(e.balance, 0)
   OR COALESCE(a.balance, 0) <> COALESCE(l.remaining, 0)
   OR COALESCE(a.held, 0) <> COALESCE(e.held, 0)
   OR COALESCE(a.held, 0) > COALESCE(a.balance, 0)
ORDER BY 1
"""

# Allocations of a negative entry consume the lot; of a positive one (a debit's reversal)
# return points to it. An expire entry empties its lot (named by its reference).
LOTS_SQL = """
SELECT l.id, l.customer_id, l.points, l.remaining,
       l.points - COALESCE(sum(CASE WHEN e.points < 0 THEN al.points ELSE -al.points END), 0)
       AS expected
FROM loyalty_pointslot l
LEFT JOIN loyalty_pointsallocation al ON al.lot_id = l.id
LEFT JOIN loyalty_pointsentry e ON e.id = al.entry_id
GROUP BY l.id
HAVING (NOT l.expired AND l.remaining <> l.points
        - COALESCE(sum(CASE WHEN e.points < 0 THEN al.points ELSE -al.points END), 0))
    OR (l.expired AND l.remaining <> 0)
ORDER BY l.id
"""

ALLOCATIONS_SQL = """
SELECT e.id, e.customer_id, e.kind, e.points, COALESCE(sum(al.points), 0)
FROM loyalty_pointsentry e
LEFT JOIN loyalty_pointsallocation al ON al.entry_id = e.id
WHERE e.kind IN ('redeem', 'penalty', 'reverse') OR (e.kind = 'adjust' AND e.points < 0)
GROUP BY e.id
HAVING COALESCE(sum(al.points), 0) <> abs(e.points)
ORDER BY e.id
"""

REFERENCES_SQL = """
SELECT l.customer_id, 'lot ' || l.id || CASE WHEN e.id IS NULL THEN ' has no entry '
       ELSE ' belongs to another customer than its entry ' END || l.entry_id
FROM loyalty_pointslot l LEFT JOIN loyalty_pointsentry e ON e.id = l.entry_id
WHERE e.id IS NULL OR e.customer_id <> l.customer_id
UNION ALL
SELECT e.customer_id, e.kind || ' entry ' || e.id || ' names a missing rule ' || e.rule_id
FROM loyalty_pointsentry e
WHERE e.rule_id IS NOT NULL
  AND NOT EXISTS (SELECT FROM loyalty_earningrule r WHERE r.id = e.rule_id)
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Violation:
    customer_id: int
    problem: str

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.problem}"


def invariant_violations() -> list[Violation]:
    """Every breach of the ledger invariant in the current province schema."""
    found: list[Violation] = []
    with connection.cursor() as cursor:
        cursor.execute(ACCOUNTS_SQL)
        for customer, balance, held, entry_balance, entry_held, lots in cursor.fetchall():
            found.append(
                Violation(
                    customer,
                    f"account balance {balance} held {held}; entries say balance "
                    f"{entry_balance} held {entry_held}; open lots hold {lots}",
                )
            )
        cursor.execute(LOTS_SQL)
        for lot, customer, points, remaining, expected in cursor.fetchall():
            found.append(
                Violation(
                    customer,
                    f"lot {lot} ({points} points) has {remaining} left; allocations say {expected}",
                )
            )
        cursor.execute(ALLOCATIONS_SQL)
        for entry, customer, kind, points, allocated in cursor.fetchall():
            found.append(
                Violation(customer, f"{kind} entry {entry} of {points} allocates {allocated}")
            )
        cursor.execute(REFERENCES_SQL)
        found.extend(Violation(customer, problem) for customer, problem in cursor.fetchall())
    return found
