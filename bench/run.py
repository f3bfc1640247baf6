"""Benchmarks (``make bench``); not part of the test suite.

tenant_clone: provisioning one more province by cloning the province template schema,
against the baseline of creating the same schema by replaying every migration, both
measured in this run on a scratch database (``<name>_bench``). Goal: clone < 2 s.
"""

import os
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
bench_url = url.rsplit("/", 1)[0] + f"/{config['NAME']}_bench"
os.environ["DATABASE_URL"] = bench_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database(bench_url)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from tenants.models import Tenant  # noqa: E402
from tenants.provinces import Province  # noqa: E402
from tenants.provisioning import bootstrap, ensure_province  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def provision_seconds(short: str, code: str) -> float:
    connection.set_schema_to_public()
    start = time.perf_counter()
    ensure_province(Province(short, code, "基准", "Bench"), "localhost")
    elapsed = time.perf_counter() - start
    connection.set_schema_to_public()
    Tenant.objects.get(schema_name=short).delete(force_drop=True)
    return elapsed


def main() -> None:
    call_command("migrate_schemas", verbosity=0)  # all schemas: the scratch DB is kept
    bootstrap("localhost", provinces=[])
    clone, replay = [], []
    for i in range(ROUNDS):
        print(f"[{'#' * (i + 1):<{ROUNDS}}] round {i + 1}/{ROUNDS}", end="\r", flush=True)
        clone.append(provision_seconds(f"benchc{i}", f"9{i}"))
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            replay.append(provision_seconds(f"benchr{i}", f"8{i}"))
    c, r = statistics.median(clone), statistics.median(replay)
    print(f"\ntenant_clone   median {c:6.3f} s  (min {min(clone):.3f}, max {max(clone):.3f})")
    print(f"migrate_replay median {r:6.3f} s  (baseline: replay every migration)")
    print(f"ratio clone/replay = {c / r:.2f}   goal: clone < 2 s -> {'met' if c < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
