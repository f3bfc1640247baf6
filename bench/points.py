"""Points benchmarks (issue 4, Performance); not part of the test suite.

With N paid bills of one month in Beijing (demo customers, ``province.customers.demo``):

- the accrual run (``execute_accrual``: earn and bonus entries, lots, balances, in chunks
  with progress) beside its floor: one ``INSERT … SELECT`` producing the same entry rows
  into a scratch table without indexes or constraints;
- the expiry run over the lots the accrual made (all lapsed as of the day after the last
  expiry) beside its floor: one ``INSERT … SELECT`` of the same expire entry rows.

Both floors are measured in the same run. Goal: each ≤ 2× its floor. Runs on a scratch
database ``<name>_bench_points`` and keeps it, so the next run reuses the seeded bills.

    .venv/bin/python bench/points.py [--bills 1000000]   (or BENCH_BILLS=1000000 make bench)
"""

import argparse
import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dj_database_url  # noqa: E402
from devserver import ensure_database  # noqa: E402

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
config = dj_database_url.parse(url)
bench_url = url.rsplit("/", 1)[0] + f"/{config['NAME']}_bench_points"
os.environ["DATABASE_URL"] = bench_url
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database(bench_url)

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from province.customers.demo import seed_customers  # noqa: E402
from province.customers.models import Bill, Customer  # noqa: E402
from province.loyalty import services  # noqa: E402
from province.loyalty.earning import month_end  # noqa: E402
from province.loyalty.invariant import invariant_violations  # noqa: E402
from province.loyalty.models import PointsLot  # noqa: E402
from province.org.demo import seed_province  # noqa: E402
from province.products.demo import seed_products  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.provinces import PROVINCES_BY_SHORT  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402

GOAL = 2.0

# Three floors per run, each one statement measured in the same run (issue 4, Performance):
# - "bare": the run's entry rows into an unlogged table without index or constraint;
# - "entries": the same rows into a logged copy of the entry table with its indexes and
#   checks (``LIKE … INCLUDING ALL``);
# - "same rows": every row the run writes — entries, lots and account balances — into such
#   copies, in one statement. The goal is judged against this one: the run cannot write
#   fewer rows than it must, and the others leave out two of the three tables.
# None of the copies has the foreign keys of the real tables, so their cost is the run's.
_BILLS = """
SELECT b.id, b.customer_id, floor(b.amount_paid * %(rate)s::numeric)::int AS points,
       COALESCE(b.paid_on, %(period_end)s::date) AS earned_on
FROM customers_bill b
WHERE b.period = %(period)s AND b.status = 'paid' AND b.amount_paid > 0
"""
ACCRUAL_ENTRIES_SQL = f"""
INSERT INTO floor_entry (kind, customer_id, points, idempotency_key, reference, rule_id)
SELECT 'earn', b.customer_id, b.points, 'bill:' || b.id || ':earn', 'bill:' || b.id, %(rule)s
FROM ({_BILLS}) b WHERE b.points > 0
"""  # noqa: S608
ACCRUAL_SAME_ROWS_SQL = f"""
WITH fresh AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('floor_entry', 'id')) AS entry_id, b.*
    FROM ({_BILLS}) b WHERE b.points > 0
),
entries AS (
    INSERT INTO floor_entry (id, kind, customer_id, points, idempotency_key, reference, rule_id)
    OVERRIDING SYSTEM VALUE
    SELECT f.entry_id, 'earn', f.customer_id, f.points, 'bill:' || f.id || ':earn', 'bill:' || f.id,
           %(rule)s
    FROM fresh f
),
lots AS (
    INSERT INTO floor_lot (entry_id, customer_id, points, remaining, earned_on, expires_at)
    SELECT f.entry_id, f.customer_id, f.points, f.points, f.earned_on,
           make_date(extract(year FROM f.earned_on)::int + 2, 12, 31)
    FROM fresh f
)
INSERT INTO floor_account (customer_id, balance, held, updated_at)
SELECT f.customer_id, sum(f.points), 0, now() FROM fresh f GROUP BY f.customer_id
"""  # noqa: S608
_LAPSED = """
SELECT l.id, l.customer_id, l.remaining FROM {lots} l
WHERE NOT l.expired AND l.remaining > 0 AND l.expires_at < %(as_of)s
"""
EXPIRY_ENTRIES_SQL = f"""
INSERT INTO floor_entry (kind, customer_id, points, idempotency_key, reference)
SELECT 'expire', l.customer_id, -l.remaining, 'lot:' || l.id || ':expire', 'lot:' || l.id
FROM ({_LAPSED.format(lots="loyalty_pointslot")}) l
"""  # noqa: S608
EXPIRY_SAME_ROWS_SQL = f"""
WITH lapsed AS MATERIALIZED ({_LAPSED.format(lots="floor_lot")}),
entries AS (
    INSERT INTO floor_entry (kind, customer_id, points, idempotency_key, reference)
    SELECT 'expire', l.customer_id, -l.remaining, 'lot:' || l.id || ':expire', 'lot:' || l.id
    FROM lapsed l
),
closed AS (
    UPDATE floor_lot l SET remaining = 0, expired = true, expired_at = now()
    FROM lapsed x WHERE l.id = x.id
)
UPDATE floor_account a SET balance = a.balance - s.points, updated_at = now()
FROM (SELECT customer_id, sum(remaining) AS points FROM lapsed GROUP BY customer_id) s
WHERE a.customer_id = s.customer_id
"""  # noqa: S608
LOYALTY_TABLES = (
    "loyalty_pointsallocation, loyalty_lotextension, loyalty_adjustmentrequest, loyalty_redemption, "
    "loyalty_pointslot, loyalty_pointsentry, loyalty_pointsaccount, loyalty_accrualrun, "
    "loyalty_expiryrun"
)


def prepare(bills: int) -> None:
    """bj with about ``bills`` paid bills in its last month (one month of demo history)."""
    call_command("migrate_schemas", verbosity=0)  # all schemas: the scratch DB is kept
    bootstrap("localhost", provinces=[PROVINCES_BY_SHORT["bj"]])
    tenant = Tenant.objects.get(schema_name="bj")
    with tenant_context(tenant):
        seed_province()
        seed_products()
        have = Bill.objects.count()
        if have >= bills * 0.95:
            print(f"reusing {have:,} seeded bills")
            return

        def bar(done, total):
            print(f"[{'#' * (30 * done // total):<30}] {done:,}/{total:,}", end="\r", flush=True)

        # Demo customers have about 1.3 billing accounts each, ~90 % of bills are paid.
        report = seed_customers(
            int((bills - have) / 1.15),
            months=1,
            recent_months=1,
            append=Customer.objects.exists(),
            progress=bar,
        )
        print(f"\nseeded {report.customers:,} customers in {report.seconds:.1f} s")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


FLOOR_TABLES = {
    "floor_entry": "loyalty_pointsentry",
    "floor_lot": "loyalty_pointslot",
    "floor_account": "loyalty_pointsaccount",
}


def floor(sql: str, params: dict, *, bare: bool = False, copy_state: bool = False) -> float:
    """Time one statement writing into scratch copies of the ledger tables (see above);
    ``copy_state`` first copies the current lots and accounts (untimed), for the expiry."""
    with connection.cursor() as cursor:
        for scratch, real in FLOOR_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            if bare:
                shape = "INCLUDING DEFAULTS INCLUDING IDENTITY"
                cursor.execute(f"CREATE UNLOGGED TABLE {scratch} (LIKE {real} {shape})")
            else:
                cursor.execute(f"CREATE TABLE {scratch} (LIKE {real} INCLUDING ALL)")
        if copy_state:
            for scratch in ("floor_lot", "floor_account"):
                real = FLOOR_TABLES[scratch]
                cursor.execute(
                    f"INSERT INTO {scratch} OVERRIDING SYSTEM VALUE SELECT * FROM {real}"
                )
            cursor.execute("VACUUM ANALYZE floor_lot, floor_account")
    try:

        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)

        return timed(run)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE " + ", ".join(FLOOR_TABLES))


def line(name: str, rows: int, seconds: float, floors: dict[str, float]) -> None:
    same = floors["same rows"]
    verdict = "ok" if seconds / same <= GOAL else "ABOVE GOAL"
    print(f"{name:<8} {rows:>10,} entries  run {seconds:7.2f} s")
    for label, value in floors.items():
        print(f"    floor {label:<10} {value:7.2f} s   ratio {seconds / value:6.2f}")
    print(f"    goal: ≤ {GOAL:.0f}× the same-rows floor: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bills", type=int, default=int(os.environ.get("BENCH_BILLS", "200000")))
    parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)
    args = parser.parse_args()
    prepare(args.bills)
    with tenant_context(Tenant.objects.get(schema_name="bj")):
        period = Bill.objects.aggregate(p=Max("period"))["p"]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {LOYALTY_TABLES} CASCADE")  # noqa: S608 (our table names)
            cursor.execute("VACUUM ANALYZE customers_bill")
        rules = services.rules_for(period)
        params = {
            "period": period,
            "period_end": month_end(period),
            "rate": rules.base.points_per_yuan,
            "rule": rules.base.pk,
        }
        accrual_floors = {
            "bare": floor(ACCRUAL_ENTRIES_SQL, params, bare=True),
            "entries": floor(ACCRUAL_ENTRIES_SQL, params),
            "same rows": floor(ACCRUAL_SAME_ROWS_SQL, params),
        }

        run = services.start_accrual(period)
        accrual = timed(lambda: services.execute_accrual(run.pk, chunk_size=args.chunk_size))
        run.refresh_from_db()
        assert run.status == "done", run.error
        line("accrual", run.entries_created, accrual, accrual_floors)

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE loyalty_pointslot, loyalty_pointsaccount")
        as_of = PointsLot.objects.aggregate(m=Max("expires_at"))["m"] + timedelta(days=1)
        expiry_floors = {
            "bare": floor(EXPIRY_ENTRIES_SQL, {"as_of": as_of}, bare=True),
            "entries": floor(EXPIRY_ENTRIES_SQL, {"as_of": as_of}),
            "same rows": floor(EXPIRY_SAME_ROWS_SQL, {"as_of": as_of}, copy_state=True),
        }
        expiry_run = services.start_expiry(as_of)
        expiry = timed(lambda: services.execute_expiry(expiry_run.pk, chunk_size=args.chunk_size))
        expiry_run.refresh_from_db()
        assert expiry_run.status == "done", expiry_run.error
        line("expiry", expiry_run.entries_created, expiry, expiry_floors)
        violations = invariant_violations()
        print(f"invariant: {'holds' if not violations else f'{len(violations)} violations'}")


if __name__ == "__main__":
    main()
