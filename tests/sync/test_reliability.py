"""Sync reliability with a real Celery worker process and real Redis (issue 5 "Reliability",
DESIGN.md §4): a worker killed mid-batch, a broker restarted with tasks in flight, a
province whose worker was away, a handler that always fails.

Each test commits its data (the worker is another process) and waits by polling with a
deadline. Workers relay in small batches (``SYNC_BATCH_SIZE``) so a kill lands mid-backlog;
``sweep_task`` is called from the test the way beat would call it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import transaction

import sync
from hq.console.choices import ResyncState
from hq.console.models import ResyncRequest
from hq.federation.models import ProvinceSummary
from sync.models import AppliedVersion, InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sync.tasks import sweep_task
from tests.conftest import in_tenant
from tests.factories import make_user
from tests.sync.test_worker import ROOT, _database_url

pytestmark = pytest.mark.worker

PROVINCES = ("bj", "sh")


class Worker:
    """A Celery worker subprocess on this run's own queue (``--pool solo``: one process, so
    ``kill -9`` of its pid kills it mid-task)."""

    def __init__(self, **env):
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "SYNC_BATCH_SIZE": "10",
            **env,
        }
        self.process = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
            + ["--loglevel", "WARNING", "-Q", self.env["CELERY_QUEUE"], "--without-heartbeat"]
            + ["--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


@pytest.fixture
def workers():
    """Start workers with ``workers(**env)``; every one is stopped after the test."""
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    started = []

    def start(**env) -> Worker:
        worker = Worker(**env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition, timeout=60.0, *, sweep_every=1.0, interval=0.1):
    """Poll ``condition`` until true or the deadline; run the beat sweep now and then so
    work whose task was lost is queued again (as Celery beat does every 30 s)."""
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic()
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if sweep_every and time.monotonic() >= next_sweep:
            sweep_task()
            next_sweep = time.monotonic() + sweep_every
        time.sleep(interval)  # polling for an outcome, not timing one
    return None


def publish_summaries(province: str, count: int) -> list[int]:
    """``count`` org.summary messages from ``province`` in one commit (staff 1..count): the
    last one is the province's truth."""
    with in_tenant(province), transaction.atomic():
        return [
            sync.publish(
                "org.summary", "summary", {"staff_count": n, "org_unit_count": 1}, to="hq"
            ).pk
            for n in range(1, count + 1)
        ]


def pending(province: str) -> int:
    with in_tenant(province):
        return OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()


def hq_inbox(source: str):
    return InboxMessage.objects.filter(source=source)


def assert_converged_exactly_once(province: str, sent: list[int], truth: int) -> None:
    """Every message of ``province`` is in HQ's inbox exactly once, applied once, and HQ
    holds the province's last word."""
    with in_tenant(province):
        ids = set(OutboxMessage.objects.filter(pk__in=sent).values_list("message_id", flat=True))
        assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
    with in_tenant("hq"):
        rows = list(hq_inbox(province).filter(topic="org.summary"))
        assert len(rows) == len(sent) and {r.message_id for r in rows} == ids
        assert {r.status for r in rows} <= {InboxStatus.APPLIED, InboxStatus.STALE}
        assert {r.attempts for r in rows} == {1}  # none applied (or even tried) twice
        applied = AppliedVersion.objects.get(source=province, topic="org.summary")
        assert applied.version == max(sent)
        assert ProvinceSummary.objects.get(province=province).staff_count == truth


def test_kill_9_mid_batch_then_restart_converges_without_applying_twice(committed, workers):
    """Issue 5 reliability: a worker killed in the middle of a backlog from two provinces;
    a new worker (with the sweep) delivers the rest; nothing is applied twice."""
    committed({"bj", "sh", "hq"})
    sent = {province: publish_summaries(province, 200) for province in PROVINCES}
    total = sum(len(ids) for ids in sent.values())

    first = workers(SYNC_BATCH_SIZE="5")  # many small batches: the kill lands inside one

    def some_delivered():
        with in_tenant("hq"):
            return hq_inbox("bj").exists() or hq_inbox("sh").exists()

    assert wait_for(some_delivered, sweep_every=None, interval=0.02)
    first.kill9()
    with in_tenant("hq"):
        delivered = InboxMessage.objects.count()
    assert 0 < delivered < total, "the kill should land in the middle of the backlog"

    workers(SYNC_BATCH_SIZE="500")  # a new worker; the lost task comes back through the sweep

    def drained():
        return all(pending(province) == 0 for province in PROVINCES)

    assert wait_for(drained, timeout=90), "the backlog was not delivered after the restart"
    for province in PROVINCES:
        assert_converged_exactly_once(province, sent[province], truth=200)


@contextmanager
def private_redis():
    """A redis-server of this test's own on a free port: restarting the shared one would
    drop the other test runs' queues, so the restart test brings its own broker."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        assert wait_for(lambda: _ping(port), timeout=20, sweep_every=None), "redis did not start"
        return process, url

    state = {}
    state["process"], url = start()

    def restart():
        # Like `redis-cli shutdown nosave` on the shared server: queued tasks are gone.
        state["process"].kill()
        state["process"].wait(timeout=20)
        state["process"], _url = start()

    try:
        yield url, restart
    finally:
        state["process"].kill()
        state["process"].wait(timeout=20)


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def broker(url: str):
    """Point this process's Celery client at ``url`` (the pools are rebuilt on first use)."""
    from config.celery import app

    previous = app.conf.broker_url

    def reset(to):
        app.conf.broker_url = to
        app._pool = None
        app.amqp._producer_pool = None

    reset(url)
    try:
        yield app
    finally:
        reset(previous)


@pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="needs a redis-server binary to run a private broker",
)
def test_broker_restart_with_tasks_in_flight_loses_nothing(committed, workers):
    """Issue 5 reliability: the broker restarts (no persistence) while relay tasks wait in
    it; the outbox still holds every message and the sweep delivers them."""
    committed({"bj", "sh", "hq"})
    with private_redis() as (url, restart), broker(url) as app:
        sent = {province: publish_summaries(province, 30) for province in PROVINCES}
        with app.connection_for_write() as conn:  # the relay tasks are in flight
            queued = conn.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)
        assert queued == len(PROVINCES)  # one relay task per committed transaction
        restart()
        with app.connection_for_write() as conn:
            assert conn.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0
        assert all(pending(province) == 30 for province in PROVINCES)  # nothing lost

        workers(CELERY_BROKER_URL=url)

        def drained():
            return all(pending(province) == 0 for province in PROVINCES)

        assert wait_for(drained, timeout=60), "the sweep did not deliver the outbox"
    for province in PROVINCES:
        assert_converged_exactly_once(province, sent[province], truth=30)


def test_province_unreachable_for_a_while_catches_up(committed, workers):
    """Issue 5 reliability: with no worker running (and its queued tasks lost), sh keeps
    changing and HQ asks it for a resync; once a worker is back, both directions catch up."""
    committed({"bj", "sh", "hq"})
    with in_tenant("hq"):
        from hq.console import services

        admin = make_user(["hq_admin"])
        request = services.request_resync("sh", actor=admin)
    sent = publish_summaries("sh", 25)
    from config.celery import app

    with app.connection_for_write() as conn:  # the tasks queued meanwhile never ran
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    with in_tenant("hq"):
        assert OutboxMessage.objects.filter(destination="sh", status=OutboxStatus.PENDING).exists()

    workers()

    def resynced():
        with in_tenant("hq"):
            return (
                ResyncRequest.objects.filter(pk=request.pk, status=ResyncState.DONE).exists()
                and not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
            )

    assert wait_for(resynced, timeout=60), "sh did not catch up"
    assert wait_for(lambda: pending("sh") == 0, timeout=30)
    with in_tenant("hq"):
        # The resync re-published the summary after the 25 changes: HQ holds sh's truth
        # (0 staff: the counts come from sh's own tables, empty in this test).
        summary = ProvinceSummary.objects.get(province="sh")
        assert (summary.staff_count, summary.org_unit_count) == (0, 0)
        assert hq_inbox("sh").filter(topic="org.summary").count() == len(sent) + 1
        assert not hq_inbox("sh").filter(status=InboxStatus.FAILED).exists()


def test_always_failing_message_is_kept_failed_while_others_flow(committed, workers):
    """Issue 5 reliability: sh's summary cannot be stored at HQ (a count beyond the column's
    range); it stays failed with its error through retries while bj's messages flow."""
    committed({"bj", "sh", "hq"})
    with in_tenant("sh"):
        poison = sync.publish(
            "org.summary", "summary", {"staff_count": 3_000_000_000, "org_unit_count": 1}, to="hq"
        )
    sent = publish_summaries("bj", 40)
    workers(SYNC_RETRY_BASE_SECONDS="0", SYNC_RETRY_MAX_SECONDS="1")

    def bj_applied_and_poison_retried():
        with in_tenant("hq"):
            message = hq_inbox("sh").filter(message_id=poison.message_id).first()
            return pending("bj") == 0 and message is not None and message.attempts >= 3

    assert wait_for(bj_applied_and_poison_retried, timeout=60, interval=0.2)
    with in_tenant("hq"):
        message = hq_inbox("sh").get(message_id=poison.message_id)
        assert message.status == InboxStatus.FAILED
        assert "out of range" in message.last_error
        assert not ProvinceSummary.objects.filter(province="sh").exists()
    assert_converged_exactly_once("bj", sent, truth=40)


@pytest.mark.django_db
def test_sweep_queues_an_unfinished_resync_again():
    """A resync whose task was lost is resumed by the beat sweep. (Also makes this module
    runnable alone: pytest-django sets the test database up only for db-marked items.)"""
    import uuid

    from sync.models import ResyncRun

    assert sweep_task() == 0
    with in_tenant("bj"):
        ResyncRun.objects.create(request_id=uuid.uuid4(), requested_by="hq", topics=[])
    assert sweep_task() == 1
