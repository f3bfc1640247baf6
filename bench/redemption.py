"""Redemption benchmark (R2.4.4, R6.5.1); not part of the test suite.

32 client threads, each with its own connection, redeem one unit of an unlimited catalogue
item through ``services.redeem`` (account lock, every R2.4.4 check, debit, redemption row),
beside a baseline measured in the same run: the bare ``ledger.debit`` of the same points by
the same threads (lock, debit, allocations; no catalogue checks). Two shapes:

- distinct: each thread redeems for its own customer (scales with connections);
- hot: every thread redeems for one customer (serialised by that customer's account lock).

Printed: redemptions per second, p50/p95 latency, and the ratio service / baseline. Runs on
a scratch database ``<name>_bench_redemption`` (kept; the loyalty tables are emptied first).

    BENCH_REDEMPTIONS_PER_THREAD=50 .venv/bin/python bench/redemption.py
"""

import argparse
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dj_database_url  # noqa: E402
from devserver import ensure_database  # noqa: E402

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
config = dj_database_url.parse(url)
bench_url = url.rsplit("/", 1)[0] + f"/{config['NAME']}_bench_redemption"
os.environ["DATABASE_URL"] = bench_url
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database(bench_url)

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from province.customers import services as customer_services  # noqa: E402
from province.customers.models import Customer  # noqa: E402
from province.loyalty import ledger, services  # noqa: E402
from province.loyalty.choices import EntryKind  # noqa: E402
from province.loyalty.invariant import invariant_violations  # noqa: E402
from province.loyalty.models import RewardItem  # noqa: E402
from province.org.demo import seed_province  # noqa: E402
from province.org.models import Staff  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.provinces import PROVINCES_BY_SHORT  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402

THREADS = 32
PRICE = 10
LOYALTY_TABLES = (
    "loyalty_redemption, loyalty_historicalredemption, loyalty_pointsallocation, "
    "loyalty_lotextension, loyalty_adjustmentrequest, loyalty_autoredemptionrule, "
    "loyalty_pointslot, loyalty_pointsentry, loyalty_pointsaccount"
)


def prepare(per_thread: int) -> tuple[list[int], int]:
    """bj with THREADS customers, each holding enough points for every measurement."""
    call_command("migrate_schemas", verbosity=0)
    bootstrap("localhost", provinces=[PROVINCES_BY_SHORT["bj"]])
    with tenant_context(Tenant.objects.get(schema_name="bj")):
        seed_province()
        manager = Staff.objects.filter(customers__isnull=True).order_by("id").first()
        manager = manager or Staff.objects.order_by("id").first()
        have = list(Customer.objects.filter(name__startswith="Bench ").order_by("id"))
        for n in range(len(have), THREADS):
            have.append(
                customer_services.create_customer(
                    account_manager=manager,
                    type="enterprise",
                    name=f"Bench {n} Co., Ltd.",
                    joined_on=timezone.localdate(),
                )
            )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {LOYALTY_TABLES}")  # noqa: S608 (our table names)
        # every shape × both measurements can hit one customer THREADS × per_thread times
        points = PRICE * THREADS * per_thread * 4 + 1000
        for customer in have:
            ledger.credit(
                customer.pk, points, kind=EntryKind.EARN, idempotency_key=f"bench:{customer.pk}"
            )
        item, _created = RewardItem.objects.update_or_create(
            code="BENCH",
            defaults={
                "name": "Bench gift",
                "kind": "gift",
                "points_price": PRICE,
                "stock": None,
                "valid_from": timezone.localdate(),
                "is_active": True,
            },
        )
        return [c.pk for c in have], item.pk


def measure(operation, customer_for, per_thread: int) -> tuple[float, list[float]]:
    """Run ``operation(customer_id, key)`` per_thread times in each of THREADS threads."""
    tenant = Tenant.objects.get(schema_name="bj")
    barrier = threading.Barrier(THREADS + 1)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        mine = []
        try:
            with tenant_context(tenant):
                barrier.wait()
                for _ in range(per_thread):
                    started = time.perf_counter()
                    operation(customer_for(i), f"bench:{uuid.uuid4()}")
                    mine.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(repr(exc))
        finally:
            with lock:
                latencies.extend(mine)
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    return elapsed, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> float:
    rate = len(latencies) / elapsed
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"  {name:<9} {len(latencies):>6} ops  {rate:8.1f}/s  "
        f"p50 {quantiles[49] * 1000:7.1f} ms  p95 {quantiles[94] * 1000:7.1f} ms"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--per-thread",
        type=int,
        default=int(os.environ.get("BENCH_REDEMPTIONS_PER_THREAD", "15")),
        help="Operations per thread and measurement (env BENCH_REDEMPTIONS_PER_THREAD).",
    )
    args = parser.parse_args()
    customer_ids, item_id = prepare(args.per_thread)
    with tenant_context(Tenant.objects.get(schema_name="bj")):
        item = RewardItem.objects.get(pk=item_id)
        customers = {c.pk: c for c in Customer.objects.filter(pk__in=customer_ids)}

    def baseline(customer_id: int, key: str) -> None:
        ledger.debit(customer_id, PRICE, kind=EntryKind.REDEEM, idempotency_key=key)

    def redeem(customer_id: int, key: str) -> None:
        services.redeem(customers[customer_id], item, 1, actor=None, idempotency_key=key[:90])

    print(f"redemption: {THREADS} threads × {args.per_thread} per measurement")
    for shape, customer_for in (
        ("distinct", lambda i: customer_ids[i]),
        ("hot", lambda i: customer_ids[0]),
    ):
        print(f"{shape} customers:")
        base = report("baseline", *measure(baseline, customer_for, args.per_thread))
        service = report("redeem", *measure(redeem, customer_for, args.per_thread))
        print(f"  ratio redeem/baseline throughput {service / base:5.2f}")
    with tenant_context(Tenant.objects.get(schema_name="bj")):
        violations = invariant_violations()
    print(f"invariant: {'holds' if not violations else f'{len(violations)} violations'}")


if __name__ == "__main__":
    main()
