"""Federation benchmark (issue 5, Performance; R11.1, R11.2, appendix 1); not part of the
test suite.

With K provinces (default 3; the issue's size is 31) × N demo customers (default 20,000), club members
enrolled and HQ's club rules and indicator catalogue received:

- **full consolidation**: every province re-publishes what HQ holds about it as a full resync
  does: its whole roster (``club.member`` snapshot, sent as ``club.roster`` messages of up to
  1,000 rows) and its 12 stored indicator months
  (``indicators.snapshot``), through the registered snapshot publishers in resync-sized
  chunks; then every outbox is relayed to HQ batch by batch with ``relay_outbox`` (the
  worker's code path) until nothing is due. Computing the months is the province's monthly
  job, not consolidation: it is done before, untimed, as the floor reads stored months too;
- **floor**, same run: the same rows moved with raw SQL, one ``INSERT … SELECT`` per province
  from the province's tables straight into scratch copies of HQ's roster, directory, fact
  and snapshot tables (``LIKE … INCLUDING ALL``). Goal: full ≤ 3× the floor;
- **incremental**: 1 % of each province's customers get a new phone through
  ``update_customer``, which re-publishes the roster row of those who are club members, and
  the current month's indicators are recomputed (untimed: the provinces' own work); the
  time is the sync that follows, every outbox relayed and applied at HQ. Goal: incremental
  ≤ 5 % of full. Measured twice: a fixed random sample of customers (members or not, as
  "1 % of customers" says), then 1 % of customers all chosen among the club members (the
  worst case: about 4 % of the roster moves).

Each measurement is repeated (``--repeat``, default 3) and the medians are printed, with each
run's ratios (this machine's timings move by ±30 % from one run to the next). The floor and
the full run each start just after a ``CHECKPOINT``, so neither pays for full-page WAL images
that the other does not.

Runs on a scratch database ``<name>_bench_federation_<K>x<N>`` and keeps it, so the next
run of that size reuses the provinces, customers and members.

    .venv/bin/python bench/federation.py [--provinces 31] [--customers 20000] [--repeat 3] [--quick]
    (or BENCH_FED_PROVINCES=31 make bench)
"""

import argparse
import logging
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dj_database_url  # noqa: E402
from devserver import ensure_database  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument(
    "--provinces", type=int, default=int(os.environ.get("BENCH_FED_PROVINCES", "3"))
)
parser.add_argument(
    "--customers", type=int, default=int(os.environ.get("BENCH_FED_CUSTOMERS", "20000"))
)
parser.add_argument("--bill-months", type=int, default=12, help="months of demo bills")
parser.add_argument(
    "--repeat", type=int, default=3, help="runs of each measurement (medians are reported)"
)
parser.add_argument("--quick", action="store_true", help="3 provinces × 2,000 (smoke run)")
parser.add_argument(
    "--limit-set-calls",
    action="store_true",
    help="django-tenants TENANT_LIMIT_SET_CALLS: SET search_path once per schema switch "
    "instead of before every statement (not the project's setting today)",
)
ARGS = parser.parse_args()
if ARGS.quick:
    ARGS.provinces, ARGS.customers = 3, 2000
url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
config = dj_database_url.parse(url)
# One scratch database per size, kept between runs: the seeded provinces are reused.
suffix = f"_bench_federation_{ARGS.provinces}x{ARGS.customers}"
bench_url = url.rsplit("/", 1)[0] + f"/{config['NAME']}{suffix}"
os.environ["DATABASE_URL"] = bench_url
os.environ["DEBUG"] = "0"
# Publishing queues a relay task on commit. This bench relays in-process, so those tasks go
# to a queue of their own (emptied at the end) where no worker of another run picks them up.
BENCH_QUEUE = "kacrm_bench_federation"
os.environ["CELERY_QUEUE"] = BENCH_QUEUE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database(bench_url)

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)

from dateutil.relativedelta import relativedelta  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from hq.club import services as hq_club  # noqa: E402
from hq.club.models import ClubMember, ClubRulesVersion  # noqa: E402
from hq.indicators import services as hq_indicators  # noqa: E402
from hq.indicators.models import IndicatorFact, ProvinceSnapshot  # noqa: E402
from province.club import services as club  # noqa: E402
from province.club.models import ClubMembership  # noqa: E402
from province.club.selectors import current_rules  # noqa: E402
from province.customers import services as customers  # noqa: E402
from province.customers.demo import seed_customers  # noqa: E402
from province.customers.models import Customer  # noqa: E402
from province.indicators.models import IndicatorValue  # noqa: E402
from province.indicators.services import compute_indicators, definitions_version  # noqa: E402
from province.org.demo import seed_province  # noqa: E402
from province.products.demo import seed_products  # noqa: E402
from sync.models import InboxMessage, InboxStatus, MemberDirectoryEntry, OutboxMessage  # noqa: E402
from sync.outbox import queue_relay  # noqa: E402
from sync.registry import SNAPSHOTS  # noqa: E402
from sync.relay import relay_outbox  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.provinces import PROVINCES  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402

HQ = "hq"
FULL_GOAL = 3.0  # full consolidation ≤ 3× the floor
INCREMENTAL_GOAL = 0.05  # incremental ≤ 5 % of full
MONTHS = 12
# HQ's side of the consolidation; the floor writes into scratch copies of these.
HQ_TABLES = {
    "floor_member": ClubMember._meta.db_table,
    "floor_directory": MemberDirectoryEntry._meta.db_table,
    "floor_fact": IndicatorFact._meta.db_table,
    "floor_snapshot": ProvinceSnapshot._meta.db_table,
}


def bar(label: str, done: int, total: int) -> None:
    end = "\n" if done >= total else "\r"
    print(f"{label:<28} [{'#' * (30 * done // max(total, 1)):<30}] {done:,}/{total:,}", end=end)
    sys.stdout.flush()


def schemas_of(k: int) -> list[str]:
    return [p.short for p in PROVINCES[:k]]


def in_schema(schema: str):
    return tenant_context(Tenant.objects.get(schema_name=schema))


def months_to(last: date) -> list[date]:
    """The MONTHS months ending with ``last`` (its first day), oldest first."""
    first = last.replace(day=1)
    return [first - relativedelta(months=n) for n in range(MONTHS - 1, -1, -1)]


def relay_everything(schemas: list[str], label: str | None = None) -> int:
    """Relay every outbox batch by batch (``relay_outbox``, what the worker runs) until
    nothing is due anywhere; HQ last, and again while it has anything (HQ → province)."""
    delivered = 0
    order = [*schemas, HQ]
    for index, schema in enumerate(order, start=1):
        with in_schema(schema):
            while True:
                step = relay_outbox()
                if step.failed:
                    raise RuntimeError(f"relay from {schema} failed: {step.errors[:3]}")
                if not step.delivered:
                    break
                delivered += step.delivered
        if label:
            bar(label, index, len(order))
    return delivered


# --- prepare (untimed, reused) ---------------------------------------------------------------


def define_club() -> None:
    """HQ's club (as tests/club_scenario.py): 金卡 ← silver, 白金 ← gold, 钻石 ← diamond."""
    if ClubRulesVersion.objects.exists():
        return
    for code, zh, en, rank, level in (
        ("gold", "金卡", "Gold card", 1, "silver"),
        ("platinum", "白金", "Platinum", 2, "gold"),
        ("diamond", "钻石", "Diamond", 3, "diamond"),
    ):
        tier = hq_club.save_tier(
            actor=None, code=code, name_zh=zh, name_en=en, rank=rank, levels=[level]
        )
        hq_club.save_benefit(
            actor=None,
            tier=tier,
            code="lounge",
            name_zh="贵宾厅",
            name_en="Lounge",
            kind="lounge",
            yearly_allowance=6,
        )
    hq_club.save_entry_rules(
        actor=None, min_level="silver", min_tenure_months=12, exclude_arrears=True
    )


def prepare(schemas: list[str], per_province: int, bill_months: int) -> None:
    print(f"prepare: HQ + {len(schemas)} provinces × {per_province:,} customers")
    call_command("migrate_schemas", verbosity=0)  # all schemas: the scratch DB is kept
    bootstrap(
        "localhost",
        provinces=[p for p in PROVINCES if p.short in schemas],
        on_progress=lambda i, n, _r: bar("provision tenants", i, n),
    )
    missing_rules = []
    for schema in schemas:
        with in_schema(schema):
            seed_province()
            seed_products()
            have = Customer.objects.count()
            if have < per_province * 0.95:
                seed_customers(
                    per_province - have,
                    months=bill_months,
                    append=have > 0,
                    progress=lambda done, n, s=schema: bar(f"seed customers {s}", done, n),
                )
            if current_rules() is None or definitions_version() == 0:
                missing_rules.append(schema)
    if missing_rules:  # HQ publishes to every active province; re-publishing is harmless
        with in_schema(HQ), transaction.atomic():
            define_club()
            hq_club.publish_rules(actor=None)
            hq_indicators.publish_definitions(actor=None)
        relay_everything(schemas, "relay rules from HQ")
    for index, schema in enumerate(schemas, start=1):
        with in_schema(schema):
            if not ClubMembership.objects.exists():
                club.enrol_eligible(actor=None)
        bar("enrol eligible customers", index, len(schemas))
    relay_everything(schemas, "relay enrolments")


# --- the three measurements ----------------------------------------------------------------


def warm_up() -> None:
    """Untimed: the first relay task a process queues pays for Celery's lazy imports and
    the broker connection (~90 ms here), which a running web or worker process paid long
    before; the timed runs should not."""
    with in_schema(HQ):
        queue_relay(HQ)


def reset_hq() -> None:
    """Untimed housekeeping so every run starts alike: HQ's consolidated tables empty (the
    full run must rebuild them) and the delivered messages of earlier runs gone."""
    with in_schema(HQ), connection.cursor() as cursor:
        tables = [*HQ_TABLES.values(), InboxMessage._meta.db_table]
        cursor.execute("TRUNCATE " + ", ".join(tables))
        cursor.execute("VACUUM ANALYZE " + ", ".join(tables))
    checkpoint()


def checkpoint() -> None:
    """Untimed: a checkpoint in the middle of a measurement makes every page written after
    it log a full image, so the floor and the full run each start just after one
    (superuser only)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except Exception as exc:  # not allowed: the runs are only noisier
        print(f"(no CHECKPOINT before the measurement: {exc})")


def publish_full(schemas: list[str]) -> int:
    """Every province re-publishes what HQ holds about it, as a full resync does: the
    registered snapshot publishers of the roster and of the stored indicator months, in
    resync-sized chunks, one transaction each."""
    chunk = settings.SYNC_RESYNC_CHUNK_SIZE
    published = 0
    for index, schema in enumerate(schemas, start=1):
        with in_schema(schema):
            before = OutboxMessage.objects.count()
            for topic in ("club.member", "indicators.snapshot"):
                snapshot = SNAPSHOTS[topic]
                keys = list(snapshot.keys())
                for lo in range(0, len(keys), chunk):
                    with transaction.atomic():
                        snapshot.publish(keys[lo : lo + chunk])
            published += OutboxMessage.objects.count() - before
        bar("publish roster + indicators", index, len(schemas))
    return published


def hq_rows() -> dict[str, int]:
    with in_schema(HQ):
        failed = InboxMessage.objects.filter(status=InboxStatus.FAILED).count()
        if failed:
            raise RuntimeError(f"{failed} messages failed at HQ")
        return {
            "roster": ClubMember.objects.count(),
            "directory": MemberDirectoryEntry.objects.count(),
            "facts": IndicatorFact.objects.count(),
            "snapshots": ProvinceSnapshot.objects.count(),
        }


# The floor: per province one statement reading its memberships, customers and stored
# indicator values and writing HQ's four tables. Masking is done in SQL like
# ``shared.masking`` (first character of the name; 3 + 4 digits of the mobile); the phone
# key is one SHA-256 of key + digits in SQL where the application computes an HMAC (two
# SHA-256 passes) in Python: the floor is, if anything, a little cheap.
FLOOR_SQL = """
WITH src AS MATERIALIZED (
    SELECT m.card_number, m.tier, m.status, c.level, m.since,
           CASE WHEN length(c.name) <= 1 THEN repeat('*', length(c.name))
                ELSE left(c.name, 1) || repeat('*', length(c.name) - 1) END AS name_masked,
           CASE WHEN c.phone = '' THEN ''
                ELSE left(c.phone, 3) || repeat('*', greatest(length(c.phone) - 7, 0))
                     || right(c.phone, 4) END AS phone_masked,
           CASE WHEN c.phone = '' THEN ''
                ELSE encode(sha256(convert_to(%(key)s || regexp_replace(c.phone, '\\D', '', 'g'),
                                              'UTF8')), 'hex') END AS phone_key
    FROM {p}.{membership} m JOIN {p}.{customer} c ON c.id = m.customer_id
),
roster AS (
    INSERT INTO {hq}.floor_member (card_number, home_province, tier, status, level, name_masked,
                                   phone_masked, since, version, synced_at)
    SELECT card_number, %(province)s, tier, status, level, name_masked, phone_masked, since, 1,
           now()
    FROM src
),
directory AS (
    INSERT INTO {hq}.floor_directory (card_number, home_province, tier, status, level,
                                      name_masked, phone_masked, phone_key, since, version,
                                      updated_at)
    SELECT card_number, %(province)s, tier, status, level, name_masked, phone_masked, phone_key,
           since, 1, now()
    FROM src
),
facts AS (
    INSERT INTO {hq}.floor_fact (province, indicator, period, dimension, member, value,
                                 definitions_version)
    SELECT %(province)s, v.indicator, v.period, v.dimension, v.member, v.value,
           v.definitions_version
    FROM {p}.{value} v WHERE v.period = ANY(%(months)s)
)
INSERT INTO {hq}.floor_snapshot (province, period, definitions_version, computed_at,
                                 received_at, message_version, rows)
SELECT %(province)s, v.period, max(v.definitions_version), max(v.computed_at), now(), 1,
       count(*)
FROM {p}.{value} v WHERE v.period = ANY(%(months)s) GROUP BY v.period
"""


def floor(schemas: list[str], months: list[date]) -> tuple[float, dict[str, int]]:
    """Time the per-province statements (each its own transaction, as each province's
    relay is); return the time and the rows written, to compare with HQ's."""
    hq = connection.ops.quote_name(HQ)
    with connection.cursor() as cursor:
        for scratch, real in HQ_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {hq}.{scratch}")
            cursor.execute(f"CREATE TABLE {hq}.{scratch} (LIKE {hq}.{real} INCLUDING ALL)")
    try:
        started = time.perf_counter()
        for index, schema in enumerate(schemas, start=1):
            sql = FLOOR_SQL.format(
                p=connection.ops.quote_name(schema),
                hq=hq,
                membership=ClubMembership._meta.db_table,
                customer=Customer._meta.db_table,
                value=IndicatorValue._meta.db_table,
            )
            params = {"key": settings.SYNC_DIRECTORY_KEY, "province": schema, "months": months}
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
            bar("floor INSERT … SELECT", index, len(schemas))
        seconds = time.perf_counter() - started
        rows = {}
        with connection.cursor() as cursor:
            for label, scratch in (
                ("roster", "floor_member"),
                ("directory", "floor_directory"),
                ("facts", "floor_fact"),
                ("snapshots", "floor_snapshot"),
            ):
                cursor.execute(f"SELECT count(*) FROM {hq}.{scratch}")  # noqa: S608 (our names)
                rows[label] = cursor.fetchone()[0]
        return seconds, rows
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE " + ", ".join(f"{hq}.{t}" for t in HQ_TABLES))


def change_one_percent(
    schemas: list[str], per_province: int, current: date, *, members_only: bool
) -> tuple[int, int]:
    """1 % of each province's customers get a new mobile number through the customer
    service, which has the club re-publish the roster row of a member in the same
    transaction; then the current month's indicators are recomputed. ``members_only``
    picks club members only (the worst case: about 4 % of the roster changes); otherwise
    a fixed random sample of customers, members or not (what "1 % of customers" says). Returns
    the messages published and how many of the changed customers are members."""
    published = members = 0
    for index, schema in enumerate(schemas, start=1):
        with in_schema(schema):
            before = OutboxMessage.objects.count()
            count = max(1, per_province // 100)
            if members_only:
                ids = ClubMembership.objects.filter(status="active").order_by("id")
                ids = list(ids.values_list("customer_id", flat=True)[:count])
            else:
                # A fixed sample per province (the demo data's levels follow the id, so
                # every hundredth id would be no sample of members and non-members).
                every = list(Customer.objects.order_by("id").values_list("id", flat=True))
                ids = random.Random(f"{schema}:{len(every)}").sample(every, min(count, len(every)))
            members += ClubMembership.objects.filter(customer_id__in=ids, status="active").count()
            for customer in Customer.objects.filter(pk__in=ids):
                # A number that differs from the one the customer has (an earlier run's
                # included), or the update changes nothing and publishes nothing.
                third = (int(customer.phone[2:3] or 0) + 1) % 10
                customers.update_customer(customer, phone=f"19{third}{customer.pk % 10**8:08d}")
            compute_indicators(current)
            published += OutboxMessage.objects.count() - before
        bar("change 1 % + recompute month", index, len(schemas))
    return published, members


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def purge_bench_queue() -> None:
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(BENCH_QUEUE)


def measure(schemas: list[str], months: list[date], current: date, per_province: int) -> dict:
    """One run of the three measurements: the floor, the full consolidation, and the
    incremental sync after 1 % of the customers change."""
    reset_hq()
    with in_schema(HQ):
        floor_seconds, floor_rows = floor(schemas, months)

    reset_hq()
    publish_seconds, messages = timed(lambda: publish_full(schemas))
    relay_seconds, relayed = timed(lambda: relay_everything(schemas, "relay to HQ"))
    full_seconds = publish_seconds + relay_seconds
    full_rows = hq_rows()

    # The changes are the provinces' own business (untimed); the sync is what follows.
    # No checkpoint here: the incremental follows the full run as it would a resync, on pages
    # already logged since the last checkpoint.
    inc_messages, inc_members = change_one_percent(
        schemas, per_province, current, members_only=False
    )
    incremental, _relayed = timed(lambda: relay_everything(schemas, "relay to HQ"))
    worst_messages, worst_members = change_one_percent(
        schemas, per_province, current, members_only=True
    )
    worst, _relayed = timed(lambda: relay_everything(schemas, "relay to HQ"))
    hq_rows()  # nothing failed at HQ
    return {
        "floor": floor_seconds,
        "floor_rows": floor_rows,
        "publish": publish_seconds,
        "relay": relay_seconds,
        "full": full_seconds,
        "messages": messages,
        "relayed": relayed,
        "full_rows": full_rows,
        "incremental": incremental,
        "inc_messages": inc_messages,
        "inc_members": inc_members,
        "worst": worst,
        "worst_messages": worst_messages,
        "worst_members": worst_members,
        "ratio": full_seconds / floor_seconds,
        "share": incremental / full_seconds,
        "worst_share": worst / full_seconds,
    }


def main() -> None:
    args = ARGS
    if args.limit_set_calls:
        settings.TENANT_LIMIT_SET_CALLS = True
    schemas = schemas_of(args.provinces)
    try:
        prepare(schemas, args.customers, args.bill_months)
        current = timezone.localdate().replace(day=1)
        months = months_to(current)
        members = 0
        for schema in schemas:
            with in_schema(schema):
                members += ClubMembership.objects.count()
        print(f"{len(schemas)} provinces, {members:,} club members, months {months[0]:%Y-%m}…")

        # Floor first: it reads the province's stored indicator values of the 12 months,
        # so compute them once (untimed) if a previous run did not.
        for schema in schemas:
            with in_schema(schema):
                have = set(IndicatorValue.objects.values_list("period", flat=True).distinct())
                for month in months:
                    if month not in have:
                        compute_indicators(month)
        relay_everything(schemas)
        warm_up()
        runs = [measure(schemas, months, current, args.customers) for _ in range(args.repeat)]
    finally:
        purge_bench_queue()

    # Each figure is the median of the runs; the ratios are taken within each run (the floor
    # and the sync measured seconds apart, under the same load) and their median reported.
    def median(name: str) -> float:
        return statistics.median(run[name] for run in runs)

    floor_seconds, publish_seconds, relay_seconds = map(median, ("floor", "publish", "relay"))
    full_seconds, incremental, worst = median("full"), median("incremental"), median("worst")
    last = runs[-1]
    full_messages, relayed = last["messages"], last["relayed"]
    full_rows, floor_rows = last["full_rows"], last["floor_rows"]
    print()
    print(f"{'':<14}{'seconds':>9}{'messages':>10}{'msg/s':>9}   rows at HQ")
    rows = ", ".join(f"{k} {v:,}" for k, v in full_rows.items())
    print(
        f"{'full':<14}{full_seconds:9.2f}{full_messages:10,}"
        f"{full_messages / full_seconds:9.0f}   {rows}"
    )
    print(
        f"{'  members/s':<14}{full_rows['roster'] / full_seconds:9.0f}"
        "   (roster rows through publish, relay and apply, per second)"
    )
    print(f"{'  publish':<14}{publish_seconds:9.2f}")
    print(f"{'  relay+apply':<14}{relay_seconds:9.2f}{relayed:10,}{relayed / relay_seconds:9.0f}")
    rows = ", ".join(f"{k} {v:,}" for k, v in floor_rows.items())
    print(f"{'floor':<14}{floor_seconds:9.2f}{'':>10}{'':>9}   {rows}")
    print(
        f"{'incremental':<14}{incremental:9.2f}{last['inc_messages']:10,}"
        f"{last['inc_messages'] / incremental:9.0f}   (1 % of customers at random, "
        f"{last['inc_members']:,} of them members; current month recomputed)"
    )
    print(
        f"{'  members':<14}{worst:9.2f}{last['worst_messages']:10,}"
        f"{last['worst_messages'] / worst:9.0f}   (1 % of customers, all "
        f"{last['worst_members']:,} club members; current month recomputed)"
    )
    if full_rows != floor_rows:
        print(f"NOTE: HQ rows {full_rows} differ from the floor's {floor_rows}")
    ratio, share, worst_share = median("ratio"), median("share"), median("worst_share")
    print(
        f"median of {len(runs)} runs; full / floor per run: "
        + ", ".join(f"{run['ratio']:.1f}×" for run in runs)
        + "; incremental / full per run: "
        + ", ".join(f"{run['share']:.1%}" for run in runs)
        + " (members only: "
        + ", ".join(f"{run['worst_share']:.1%}" for run in runs)
        + ")"
    )
    print(
        f"full / floor = {ratio:.1f}×  (goal ≤ {FULL_GOAL:.0f}×: "
        f"{'met' if ratio <= FULL_GOAL else 'MISSED'})"
    )
    for label, value in (("incremental", share), ("  members only", worst_share)):
        print(
            f"{label} / full = {value:.1%}  (goal ≤ {INCREMENTAL_GOAL:.0%}: "
            f"{'met' if value <= INCREMENTAL_GOAL else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
