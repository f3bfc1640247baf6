"""Customer benchmarks (issue 3, Performance); not part of the test suite.

With N demo customers in Beijing (``province.customers.demo``), the server time of the
customer list page (first page, and filtered by level), the API list and the four searches
(number, name fragment, certificate, phone), for an account manager, a supervisor and the
province administrator, each through the real middleware (``django.test.Client`` on
bj.localhost), beside a floor: the same rows fetched by one hand-written query through a
cursor, timed the same way, in the same run. Goal: p95 <= 50 ms.

Runs on a scratch database ``<name>_bench_customers`` and keeps it, so the next run with
the same ``--customers`` reuses the seeded data (fewer customers: seeds the difference;
more: rebuilds the province).

    .venv/bin/python bench/customers.py [--customers 1000000] [--requests 200]
"""

import argparse
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dj_database_url  # noqa: E402
from devserver import ensure_database  # noqa: E402

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
config = dj_database_url.parse(url)
bench_url = url.rsplit("/", 1)[0] + f"/{config['NAME']}_bench_customers"
os.environ["DATABASE_URL"] = bench_url
os.environ["DEBUG"] = "0"  # as in production: no query log in memory
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database(bench_url)

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)  # one line per login is noise here

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from province.customers.demo import seed_customers  # noqa: E402
from province.customers.models import Customer  # noqa: E402
from province.levels.selectors import add_months  # noqa: E402
from province.org.demo import seed_province  # noqa: E402
from province.products.demo import seed_products  # noqa: E402
from shared.accounts.models import User  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.provinces import PROVINCES_BY_SHORT  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402

GOAL_MS = 50.0
ROLES = ("manager", "supervisor", "admin")

# The floor: the rows the page shows (a page of 50 plus one to know there is a next page),
# with the account manager and org unit the list displays, in one query.
FLOOR_SQL = """
SELECT c.*, s.name, s.employee_no, o.name, o.path
FROM customers_customer c
LEFT JOIN org_staff s ON s.id = c.account_manager_id
JOIN org_orgunit o ON o.id = c.org_unit_id
WHERE c.merged_into_id IS NULL AND ({scope}) AND ({condition})
ORDER BY c.id DESC LIMIT 51
"""
CONDITIONS = {
    "list": ("TRUE", None),
    "list level=gold": ("c.level = 'gold'", None),
    "api list": ("TRUE", None),
    "search number": ("c.number = %(v)s", "number"),
    "search name": ("upper(c.name) LIKE upper(%(v)s)", "fragment"),  # as the trigram index
    "search certificate": (
        "c.certificate_type IN ('uscc', 'resident_id') AND c.certificate_no = %(v)s",
        "certificate_no",
    ),
    "search phone": (
        "c.id IN (SELECT id FROM customers_customer WHERE phone = %(v)s "
        "UNION SELECT customer_id FROM customers_contact WHERE mobile = %(v)s)",
        "phone",
    ),
}


def prepare(n: int, months: int, recent_months: int | None) -> float | None:
    """A bj province with demo org, products and exactly ``n`` customers; seconds seeded."""
    # All schemas: a kept scratch database must follow the code's migrations.
    call_command("migrate_schemas", verbosity=0)
    bootstrap("localhost", provinces=[PROVINCES_BY_SHORT["bj"]])
    tenant = Tenant.objects.get(schema_name="bj")
    with tenant_context(tenant):
        have = Customer.objects.count()
    if have > n:
        print(f"bj has {have:,} customers, more than {n:,}: rebuilding the province")
        tenant.delete(force_drop=True)
        connection.set_schema_to_public()
        bootstrap("localhost", provinces=[PROVINCES_BY_SHORT["bj"]])
        tenant, have = Tenant.objects.get(schema_name="bj"), 0
    with tenant_context(tenant):
        seed_province()
        seed_products()
        if have == n:
            print(f"reusing {n:,} seeded customers")
            return None

        def bar(done, total):
            print(f"[{'#' * (30 * done // total):<30}] {done:,}/{total:,}", end="\r", flush=True)

        report = seed_customers(
            n - have, months=months, recent_months=recent_months, append=have > 0, progress=bar
        )
        print()
        print(f"seeded {report.customers:,} customers in {report.seconds:.1f} s:")
        for table, rows in report.rows.items():
            print(f"  {table:<28} {rows:>12,}")
        return report.seconds


def targets(role_user, scope_sql: str, scope_params: dict, k: int = 50) -> list[dict]:
    """Customers the role can see, to search for (a different one on each request)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "SELECT c.number, c.name, c.certificate_no, c.phone, c.type FROM customers_customer c "
            f"JOIN org_orgunit o ON o.id = c.org_unit_id WHERE ({scope_sql}) "
            "AND c.phone <> '' AND c.type = 'enterprise' ORDER BY random() LIMIT %(k)s",
            scope_params | {"k": k},
        )
        rows = cursor.fetchall()
    prefix = connection.tenant.name_zh
    return [
        {
            "number": r[0],
            # three characters after the place name: what people type for a company
            "fragment": r[1][len(prefix) : len(prefix) + 3],
            "certificate_no": r[2],
            "phone": r[3],
        }
        for r in rows
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_requests(client: Client, path: str, params_for, count: int) -> list[float]:
    for i in range(5):  # warm-up: connections, caches, templates
        client.get(path, params_for(i))
    times = []
    for i in range(count):
        params = params_for(i)
        start = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, params, response.status_code)
    return times


def time_floor(sql: str, params_for, count: int) -> list[float]:
    times = []
    with connection.cursor() as cursor:
        for i in range(count + 5):
            start = time.perf_counter()
            cursor.execute(sql, params_for(i))
            cursor.fetchall()
            if i >= 5:
                times.append((time.perf_counter() - start) * 1000)
    return times


def slowest_query_plan(client: Client, path: str, params: dict) -> tuple[float, str, str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(path, params)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join("      " + row[0] for row in cursor.fetchall()[:14])
    return float(slowest["time"]) * 1000, slowest["sql"], plan


def bench_regrading() -> None:
    """Re-grading every customer (goal <= 30 s at 1M) beside a floor: the one aggregate
    query over the same bill window that any grading must at least run."""
    from province.levels.models import LevelStandard
    from province.levels.services import execute_run, start_regrading

    standard = LevelStandard.objects.get(is_active=True)
    start = time.perf_counter()
    run = start_regrading()  # supersedes what earlier runs left pending
    superseding = time.perf_counter() - start
    run = execute_run(run.pk)
    took = time.perf_counter() - start - superseding
    window_start = add_months(run.as_of, -standard.months)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT customer_id, sum(amount_paid) FROM customers_bill "
            "WHERE period >= %s AND period < %s GROUP BY customer_id) t",
            [window_start, run.as_of],
        )
        cursor.fetchone()
    floor = time.perf_counter() - start
    print(
        f"\nregrading {run.total:,} customers: {took:.1f} s ({run.proposals:,} proposals)"
        f"   floor {floor:.1f} s   ratio {took / max(floor, 0.001):.1f}x"
        f"   goal <= 30 s: {'met' if took <= 30 else 'MISSED'}"
        f"\n  (before it: marking earlier runs' pending proposals superseded {superseding:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", "100000"))
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--recent-months", type=int, default=None)
    args = parser.parse_args()

    seeded = prepare(args.customers, args.months, args.recent_months)
    tenant = Tenant.objects.get(schema_name="bj")
    results, slow = [], []
    with tenant_context(tenant):
        total = Customer.objects.count()
        for role in ROLES:
            user = User.objects.select_related("staff__org_unit").get(username=role)
            staff = user.staff
            client = Client(HTTP_HOST="bj.localhost")
            client.force_login(user)
            if role == "manager":
                scope, scope_params = "c.account_manager_id = %(staff)s", {"staff": staff.pk}
            elif role == "supervisor":
                scope, scope_params = "o.path LIKE %(path)s", {"path": staff.org_unit.path + "%"}
            else:
                scope, scope_params = "TRUE", {}
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM customers_customer c JOIN org_orgunit o "
                    f"ON o.id = c.org_unit_id WHERE {scope}",
                    scope_params,
                )
                visible = cursor.fetchone()[0]
            sample = targets(user, scope, scope_params)
            print(f"\n{role}: sees {visible:,} of {total:,} customers")
            for name, (condition, key) in CONDITIONS.items():
                path = "/api/customers/" if name.startswith("api") else "/customers/"

                def page_params(i, key=key, name=name, sample=sample):
                    if name == "list level=gold":
                        return {"level": "gold"}
                    return {"q": sample[i % len(sample)][key]} if key else {}

                def floor_params(i, key=key, sample=sample, scope_params=scope_params):
                    if not key:
                        return scope_params
                    value = sample[i % len(sample)][key]
                    return scope_params | {"v": f"%{value}%" if key == "fragment" else value}

                server = time_requests(client, path, page_params, args.requests)
                floor_sql = FLOOR_SQL.format(scope=scope, condition=condition)
                floor = time_floor(floor_sql, floor_params, args.requests)
                row = (
                    role,
                    name,
                    statistics.median(server),
                    percentile(server, 0.95),
                    statistics.median(floor),
                    percentile(floor, 0.95),
                )
                results.append(row)
                print(
                    f"  {name:<20} p50 {row[2]:7.1f} ms  p95 {row[3]:7.1f} ms   "
                    f"floor p50 {row[4]:6.2f} ms  p95 {row[5]:6.2f} ms   "
                    f"ratio p50 {row[2] / max(row[4], 0.001):6.1f}x"
                    f"  {'ok' if row[3] <= GOAL_MS else 'SLOW'}"
                )
                if row[3] > GOAL_MS:
                    slow.append((role, name, client, path, page_params(0)))
        bench_regrading()
        if seeded is not None:
            print(f"\nseeding {args.customers:,} customers took {seeded:.1f} s")
        met = sum(1 for r in results if r[3] <= GOAL_MS)
        print(f"goal p95 <= {GOAL_MS:.0f} ms: met by {met} of {len(results)} measurements")
        for role, name, client, path, params in slow:
            ms, sql, plan = slowest_query_plan(client, path, params)
            print(f"\nSLOW {role} / {name}: slowest query {ms:.1f} ms\n    {sql[:400]}\n{plan}")


if __name__ == "__main__":
    random.seed(42)
    main()
