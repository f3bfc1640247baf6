"""A real Celery worker process delivers a sync message over the real broker (issue 2, §9)."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from hq.federation.models import ProvinceSummary
from sync.models import InboxMessage, InboxStatus
from tests.conftest import in_tenant
from tests.factories import make_unit

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # a Unix socket directory (the embedded server)
        return f"postgres://{auth}@{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    from config.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # leftovers of earlier runs
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_QUEUE": queue}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)  # polling for an outcome, not timing one
    return None


@pytest.mark.worker
def test_worker_relays_a_committed_change_to_hq(committed, worker):
    committed({"bj", "hq"})
    with in_tenant("bj"):
        make_unit("Root", kind="province")  # commits: no test transaction here

    def applied():
        with in_tenant("hq"):
            return ProvinceSummary.objects.filter(province="bj", org_unit_count=1).first()

    summary = _wait_for(applied)
    assert summary is not None, worker.stdout.read1().decode() if worker.poll() else "timeout"
    with in_tenant("hq"):
        messages = InboxMessage.objects.filter(source="bj", topic="org.summary")
        assert [m.status for m in messages] == [InboxStatus.APPLIED]
