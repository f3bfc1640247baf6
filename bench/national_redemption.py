"""National redemption round trip (issue 5, Performance; R6.5.3); not part of the tests.

A bj club member redeems a national item while visiting sh, with a real Celery worker
relaying every hop (sh → HQ → bj → HQ → sh for the reservation, and again for the capture).
Measures, per redemption, the time from the desk's request to "reserved" on the sh screen
and from the request to "completed" (the whole saga, hand-over included), and prints p50
and p95. Goal: p95 of the reservation round trip ≤ 1 s.

Runs on a scratch database ``<name>_bench_saga``, recreated every run (the club and the
catalogue are defined from scratch), with its own Celery queue.

    .venv/bin/python bench/national_redemption.py [--rounds 50]   (or BENCH_SAGA_ROUNDS)
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import dj_database_url  # noqa: E402
import psycopg2  # noqa: E402
from devserver import ensure_database  # noqa: E402

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kacrm")
config = dj_database_url.parse(url)
bench_name = f"{config['NAME']}_bench_saga"
bench_url = url.rsplit("/", 1)[0] + f"/{bench_name}"
QUEUE = "kacrm-bench-saga"
os.environ["DATABASE_URL"] = bench_url
os.environ["CELERY_QUEUE"] = QUEUE
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

GOAL_P95 = 1.0
POLL = 0.005  # seconds between looks at the sh screen: well below what is measured


def recreate_database() -> None:
    conn = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or "postgres",
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    conn.close()
    ensure_database(bench_url)


recreate_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from province.national import services  # noqa: E402
from province.national.models import VisitingRedemption  # noqa: E402
from sync import directory  # noqa: E402
from tenants.provinces import PROVINCES_BY_SHORT  # noqa: E402
from tenants.provisioning import bootstrap  # noqa: E402
from tests.conftest import in_tenant  # noqa: E402
from tests.national_scenario import bj_member_visiting_sh  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_for(request_id, status: str, deadline: float = 30.0) -> None:
    limit = time.perf_counter() + deadline
    while time.perf_counter() < limit:
        with in_tenant("sh"):
            current = VisitingRedemption.objects.filter(request_id=request_id).values_list(
                "status", flat=True
            )[0]
        if current == status:
            return
        if current in ("rejected", "timed_out"):
            raise RuntimeError(f"{request_id} ended {current}")
        time.sleep(POLL)
    raise TimeoutError(f"{request_id} did not reach {status}")


def start_worker() -> subprocess.Popen:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    env = {**os.environ, "DATABASE_URL": bench_url, "CELERY_QUEUE": QUEUE}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
        + ["--loglevel", "WARNING", "-Q", QUEUE],
        cwd=ROOT,
        env=env,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_SAGA_ROUNDS", 50)))
    rounds = parser.parse_args().rounds
    call_command("migrate_schemas", verbosity=0)
    bootstrap("localhost", provinces=[PROVINCES_BY_SHORT["bj"], PROVINCES_BY_SHORT["sh"]])
    visit = bj_member_visiting_sh(points=500 * 2 * (rounds + 1))  # relayed synchronously
    with in_tenant("sh"):
        entry = directory.find_member(card_number=visit.member.card_number)
    worker = start_worker()
    reserve, whole = [], []
    try:
        for i in range(rounds + 1):  # the first one warms the worker up and is not counted
            start = time.perf_counter()
            with in_tenant("sh"):
                redemption = services.request_redemption(
                    entry, "umbrella", 1, actor=visit.desk.user
                )
            wait_for(redemption.request_id, "reserved")
            reserved = time.perf_counter()
            with in_tenant("sh"):
                services.fulfil(redemption, actor=visit.desk.user)
            wait_for(redemption.request_id, "completed")
            if i:
                reserve.append(reserved - start)
                whole.append(time.perf_counter() - start)
            print(f"[{i}/{rounds}]", end="\r", flush=True)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    print(f"national redemption, {rounds} round trips with one worker (--pool solo):")
    for name, values in (("request → reserved", reserve), ("request → completed", whole)):
        print(
            f"  {name:<22} p50 {statistics.median(values) * 1000:7.1f} ms   "
            f"p95 {percentile(values, 95) * 1000:7.1f} ms"
        )
    p95 = percentile(reserve, 95)
    verdict = "OK" if p95 <= GOAL_P95 else "MISSED"
    print(f"  goal: p95 of request → reserved ≤ {GOAL_P95:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
