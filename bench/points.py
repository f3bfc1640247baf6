"""Points benchmarks (issue 4, Performance); not part of the test suite.

With N paid bills of one month in Beijing (demo customers, ``province.customers.demo``):

- the accrual run (``execute_accrual``: earn and bonus entries, lots, balances, in chunks
  with progress) beside its floor: one ``INSERT … SELECT`` producing the same entry rows
  into a scratch table without indexes or constraints;
- the expiry run over the lots the accrual made (all lapsed as of the day after the last
  expiry) beside its floor: one ``INSERT … SELECT`` of the same expire entry rows.

Both floors are measured in the same run. Goal: each ≤ 2× its floor. Runs on a scratch
database ``<name>_bench_points`` and keeps it, so the next run reuses the seeded bills.

    .venv/bin/python bench/points.py [--bills 1000000]
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
from province.loyalty.invariant import invariant_violations  # noqa: E402
from province.loyalty.models import PointsLot  # noqa: E402
from province.org.demo import seed_province  # noqa: E402
from province.products.demo import seed_products  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.provinces import PROVINCES_BY_SHORT  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402

GOAL = 2.0

# The same entry rows the run's first statement produces (base rule, level multipliers).
ACCRUAL_FLOOR_SQL = """
INSERT INTO floor_entry (kind, customer_id, points, idempotency_key, reference, rule_id, note,
                         created_at)
SELECT 'earn', b.customer_id,
       floor(b.amount_paid * %(rate)s::numeric * 1)::int,
       'bill:' || b.id || ':earn', 'bill:' || b.id, %(rule)s, '', now()
FROM customers_bill b JOIN customers_customer c ON c.id = b.customer_id
WHERE b.period = %(period)s AND b.status = 'paid' AND b.amount_paid > 0
"""
EXPIRY_FLOOR_SQL = """
INSERT INTO floor_entry (kind, customer_id, points, idempotency_key, reference, note,
                         created_at)
SELECT 'expire', l.customer_id, -l.remaining, 'lot:' || l.id || ':expire',
       'lot:' || l.id, '', now()
FROM loyalty_pointslot l
WHERE NOT l.expired AND l.remaining > 0 AND l.expires_at < %(as_of)s
"""
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


def floor(sql: str, params: dict, *, bare: bool) -> float:
    """One INSERT … SELECT of the run's entry rows: into a bare scratch table (unlogged, no
    index or constraint) or into a logged copy of the entry table with all its indexes and
    constraints (``LIKE … INCLUDING ALL``)."""
    shape = (
        "UNLOGGED TABLE floor_entry (LIKE loyalty_pointsentry INCLUDING DEFAULTS INCLUDING IDENTITY)"
        if bare
        else "TABLE floor_entry (LIKE loyalty_pointsentry INCLUDING ALL)"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS floor_entry")
        cursor.execute(f"CREATE {shape}")
    try:

        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)

        return timed(run)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE floor_entry")


def line(name: str, rows: int, seconds: float, bare: float, table: float) -> None:
    ratio = seconds / table
    verdict = "ok" if ratio <= GOAL else "ABOVE GOAL"
    print(
        f"{name:<8} {rows:>10,} entries  run {seconds:7.2f} s | "
        f"floor into the entry table {table:6.2f} s: ratio {ratio:5.2f} ({verdict}, goal ≤ "
        f"{GOAL:.0f}×) | bare floor (unlogged, unindexed) {bare:6.2f} s: ratio {seconds / bare:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bills", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)
    args = parser.parse_args()
    prepare(args.bills)
    with tenant_context(Tenant.objects.get(schema_name="bj")):
        period = Bill.objects.aggregate(p=Max("period"))["p"]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {LOYALTY_TABLES} CASCADE")  # noqa: S608 (our table names)
            cursor.execute("VACUUM ANALYZE customers_bill")
        rules = services.rules_for(period)
        params = {"period": period, "rate": rules.base.points_per_yuan, "rule": rules.base.pk}
        accrual_floor = floor(ACCRUAL_FLOOR_SQL, params, bare=True)
        accrual_table_floor = floor(ACCRUAL_FLOOR_SQL, params, bare=False)

        run = services.start_accrual(period)
        accrual = timed(lambda: services.execute_accrual(run.pk, chunk_size=args.chunk_size))
        run.refresh_from_db()
        assert run.status == "done", run.error
        line("accrual", run.entries_created, accrual, accrual_floor, accrual_table_floor)

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE loyalty_pointslot, loyalty_pointsaccount")
        as_of = PointsLot.objects.aggregate(m=Max("expires_at"))["m"] + timedelta(days=1)
        expiry_floor = floor(EXPIRY_FLOOR_SQL, {"as_of": as_of}, bare=True)
        expiry_table_floor = floor(EXPIRY_FLOOR_SQL, {"as_of": as_of}, bare=False)
        expiry_run = services.start_expiry(as_of)
        expiry = timed(lambda: services.execute_expiry(expiry_run.pk, chunk_size=args.chunk_size))
        expiry_run.refresh_from_db()
        assert expiry_run.status == "done", expiry_run.error
        line("expiry", expiry_run.entries_created, expiry, expiry_floor, expiry_table_floor)
        violations = invariant_violations()
        print(f"invariant: {'holds' if not violations else f'{len(violations)} violations'}")


if __name__ == "__main__":
    main()
