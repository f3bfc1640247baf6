"""HQ's sync console: link health per province, retry/skip/relay, full resync with progress
(issue 5 item 6, DESIGN.md §4.5)."""

import pytest
from django.test import override_settings
from rest_framework import serializers

import sync
from hq.console.choices import InterventionKind, ResyncState
from hq.console.models import ResyncRequest, SyncIntervention
from hq.federation.models import ProvinceSummary
from shared.errors import Conflict
from sync.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus, ResyncRun
from sync.registry import DOWN, HANDLERS, SNAPSHOTS, TOPICS, UP, register_snapshot, register_topic
from sync.relay import relay_all
from sync.resync import run_resync
from sync.selectors import AT_HQ, IN_PROVINCE, province_sync_health
from tests.conftest import in_tenant
from tests.factories import make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db


class NumberPayload(serializers.Serializer):
    value = serializers.IntegerField()


@pytest.fixture
def flaky_topics():
    """An up and a down test topic whose handlers fail while ``state["fail"]`` is set."""
    state = {"fail": True}
    register_topic("test.up", direction=UP, version=1, payload=NumberPayload)
    register_topic("test.down", direction=DOWN, version=1, payload=NumberPayload)

    def apply(message):
        if state["fail"]:
            raise RuntimeError(f"cannot apply {message.key}")

    HANDLERS["test.up"] = HANDLERS["test.down"] = apply
    yield state
    for name in ("test.up", "test.down"):
        HANDLERS.pop(name, None)
        TOPICS.pop(name, None)


@pytest.fixture
def scenario(flaky_topics):
    """Known numbers: bj has 1 message pending to HQ and 1 failed in its inbox from HQ; sh has
    2 failed at HQ and 1 pending from HQ."""
    with in_tenant("hq"):
        sync.publish("test.down", "d1", {"value": 1}, to="bj")
        relay_all()  # delivered to bj, fails there
        sync.publish("test.down", "d2", {"value": 2}, to="sh")  # left pending
    with in_tenant("sh"):
        sync.publish("test.up", "u1", {"value": 1}, to="hq")
        sync.publish("test.up", "u2", {"value": 2}, to="hq")
        relay_all()  # delivered to HQ, both fail there
    with in_tenant("bj"):
        sync.publish("test.up", "u3", {"value": 3}, to="hq")  # left pending
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        analyst = make_user(["hq_analyst"])
    return {"state": flaky_topics, "admin": admin, "analyst": analyst}


def _rows(page):
    return {row.health.schema_name: row.health for row in page.context["rows"]}


def test_console_numbers_match_a_known_scenario(scenario, tenant_client):
    """Issue 5 item 6: pending, failed (both sides), lag, last success and error per province."""
    page = tenant_client("hq", scenario["analyst"]).get("/sync/")
    assert page.status_code == 200
    rows = _rows(page)
    bj, sh = rows["bj"], rows["sh"]
    assert (bj.pending_up, bj.pending_down, bj.failed_at_hq, bj.failed_in_province) == (1, 0, 0, 1)
    assert (sh.pending_up, sh.pending_down, sh.failed_at_hq, sh.failed_in_province) == (0, 1, 2, 0)
    assert bj.pending_lag_seconds is not None and sh.pending_lag_seconds is None
    assert "cannot apply d1" in bj.latest_error
    assert "cannot apply u2" in sh.latest_error  # the newest failure
    assert bj.last_applied_at is None  # HQ never applied anything from bj
    assert page.context["totals"] == {"provinces": 2, "pending": 2, "failed": 3, "unhealthy": 2}
    assert page.context["chart"]["failed"] == [1, 2]
    body = page.content.decode()
    assert 'id="sync-chart"' in body and 'data-province="sh"' in body
    assert "console/bj/retry/" not in body  # analysts see no buttons


def test_last_success_is_when_hq_last_applied_a_message(scenario, tenant_client):
    with in_tenant("bj"):
        make_unit("Root", kind="province")
        relay_all()
    [bj] = province_sync_health(["bj"])
    assert bj.last_applied_at is not None and bj.applied_lag_seconds >= 0
    assert bj.pending_up == 0  # the relay took the earlier pending message too


def test_drill_down_lists_failed_messages_of_both_sides(scenario, tenant_client):
    page = tenant_client("hq", scenario["admin"]).get("/sync/sh/")
    assert page.status_code == 200
    failed = page.context["detail"].failed
    assert [(m.side, m.topic, m.key, m.attempts) for m in failed] == [
        (AT_HQ, "test.up", "u1", 1),
        (AT_HQ, "test.up", "u2", 1),
    ]
    assert all(m.next_attempt_at is not None and "cannot apply" in m.last_error for m in failed)
    page = tenant_client("hq", scenario["admin"]).get("/sync/bj/")
    assert [(m.side, m.key) for m in page.context["detail"].failed] == [(IN_PROVINCE, "d1")]
    assert tenant_client("hq", scenario["admin"]).get("/sync/nowhere/").status_code == 404


def test_retry_button_applies_failed_messages_of_both_sides_and_is_audited(scenario, tenant_client):
    scenario["state"]["fail"] = False
    client = tenant_client("hq", scenario["admin"])
    response = client.post("/sync/sh/retry/")
    assert response.status_code == 302
    with in_tenant("hq"):
        statuses = set(
            InboxMessage.objects.filter(source="sh", topic="test.up").values_list(
                "status", flat=True
            )
        )
        assert statuses == {InboxStatus.APPLIED}
        audit = SyncIntervention.objects.get(province="sh")
        assert (audit.kind, audit.actor, audit.detail) == (
            InterventionKind.RETRY_FAILED,
            scenario["admin"].username,
            "applied=2 failed=0",
        )
    client.post("/sync/bj/retry/")
    with in_tenant("bj"):
        assert InboxMessage.objects.get(key="d1").status == InboxStatus.APPLIED
    assert _rows(client.get("/sync/"))["bj"].failed == 0


def test_retry_of_a_still_failing_message_keeps_its_error(scenario, tenant_client):
    with in_tenant("hq"):
        message = InboxMessage.objects.get(source="sh", key="u1")
    client = tenant_client("hq", scenario["admin"])
    client.post(f"/sync/sh/messages/hq/{message.message_id}/retry/", {"next": "province"})
    with in_tenant("hq"):
        message.refresh_from_db()
        assert (message.status, message.attempts) == (InboxStatus.FAILED, 2)
        assert "cannot apply u1" in message.last_error


def test_skip_marks_a_message_given_up_audited_and_never_retried(scenario, tenant_client):
    with in_tenant("bj"):
        message = InboxMessage.objects.get(key="d1")
    client = tenant_client("hq", scenario["admin"])
    response = client.post(
        f"/sync/bj/messages/province/{message.message_id}/skip/",
        {"next": "province", "reason": "obsolete test data"},
    )
    assert response.status_code == 302 and response["Location"] == "/sync/bj/"
    with in_tenant("bj"):
        message.refresh_from_db()
        assert message.status == InboxStatus.SKIPPED
        from sync.inbox import retry_failed

        assert retry_failed(force=True) == 0
    with in_tenant("hq"):
        audit = SyncIntervention.objects.get(province="bj", kind=InterventionKind.SKIP_MESSAGE)
        assert (audit.message_id, audit.topic, audit.key) == (message.message_id, "test.down", "d1")
        assert "obsolete test data" in audit.detail and "cannot apply d1" in audit.detail
    assert _rows(client.get("/sync/"))["bj"].failed_in_province == 0
    # Skipping it again: it is not failed any more, nothing is written.
    client.cookies["django_language"] = "en"  # the message below is the English source
    page = client.post(
        f"/sync/bj/messages/province/{message.message_id}/skip/", {"next": "province"}, follow=True
    )
    assert "not failed" in page.content.decode()
    with in_tenant("hq"):
        assert SyncIntervention.objects.filter(kind=InterventionKind.SKIP_MESSAGE).count() == 1


def test_relay_button_delivers_waiting_messages_both_ways(scenario, tenant_client):
    scenario["state"]["fail"] = False
    client = tenant_client("hq", scenario["admin"])
    client.post("/sync/bj/relay/")
    client.post("/sync/sh/relay/")
    rows = _rows(client.get("/sync/"))
    assert rows["bj"].pending_up == 0 and rows["sh"].pending_down == 0
    with in_tenant("sh"):
        assert InboxMessage.objects.get(key="d2").status == InboxStatus.APPLIED
    with in_tenant("hq"):
        assert SyncIntervention.objects.filter(kind=InterventionKind.RELAY).count() == 2


def test_console_is_for_hq_roles_only(scenario, tenant_client):
    """Analysts read, administrators act, others get 403; province hosts have no console."""
    with in_tenant("hq"):
        nobody = make_user([])
    assert tenant_client("hq", nobody).get("/sync/").status_code == 403
    assert tenant_client("hq", nobody).get("/sync/bj/").status_code == 403
    analyst = tenant_client("hq", scenario["analyst"])
    assert analyst.get("/sync/bj/").status_code == 200
    for action in ("retry", "relay", "resync/start"):
        assert analyst.post(f"/sync/bj/{action}/").status_code == 403
    assert tenant_client("hq", scenario["admin"]).get("/sync/").status_code == 200
    assert tenant_client("hq").get("/sync/").status_code == 302  # to the sign-in page
    with in_tenant("bj"):
        unit = make_unit("Root", kind="province")
        province_admin = make_staff(unit, roles=("province_admin",)).user
    assert tenant_client("bj", province_admin).get("/sync/").status_code == 404


def test_full_resync_republishes_and_reports_progress(tenant_client):
    """Issue 5 item 6: HQ asks bj to re-publish; bj's progress reaches HQ's bar; re-applying
    the snapshot is idempotent at HQ."""
    with in_tenant("bj"):
        make_unit("Root", kind="province")
        relay_all()
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        ProvinceSummary.objects.filter(province="bj").update(org_unit_count=99)  # drifted
    client = tenant_client("hq", admin)
    assert client.post("/sync/bj/resync/start/").status_code == 302
    with in_tenant("hq"):
        request = ResyncRequest.objects.get(province="bj")
        assert request.status == ResyncState.REQUESTED and request.requested_by == admin.username
        outgoing = OutboxMessage.objects.get(topic="sync.resync", destination="bj")
        assert outgoing.payload["request_id"] == str(request.request_id)
        relay_all()
    with in_tenant("bj"):
        run = ResyncRun.objects.get(request_id=request.request_id)
        assert (run.requested_by, run.topics) == ("hq", sorted(SNAPSHOTS))
        run = run_resync(run.pk)  # what the queued task does
        assert run.status == "done" and run.progress["org.summary"] == {"done": 1, "total": 1}
        relay_all()
    with in_tenant("hq"):
        request.refresh_from_db()
        assert request.status == ResyncState.DONE and request.percent == 100
        org = next(p for p in request.progress if p["topic"] == "org.summary")
        assert (org["done"], org["total"]) == (1, 1)
        assert ProvinceSummary.objects.get(province="bj").org_unit_count == 1  # repaired
    fragment = client.get("/sync/bj/resync/")
    assert fragment.status_code == 200 and "100%" in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()  # finished: polling stops


def test_second_resync_while_one_runs_is_a_conflict(tenant_client):
    from hq.console import services

    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        services.request_resync("bj", actor=admin)
        with pytest.raises(Conflict):
            services.request_resync("bj", actor=admin)
        assert ResyncRequest.objects.filter(province="bj").count() == 1
        assert OutboxMessage.objects.filter(topic="sync.resync").count() == 1
        with pytest.raises(Conflict):
            services.request_resync("nowhere", actor=admin)
    page = tenant_client("hq", admin).get("/sync/bj/resync/")
    assert "hx-trigger" in page.content.decode()  # unfinished: the bar polls


@pytest.fixture
def numbered_snapshot():
    """A snapshot of five keys on a test up topic; HQ records what it applied."""
    applied = []
    register_topic("test.snapshot", direction=UP, version=1, payload=NumberPayload)
    HANDLERS["test.snapshot"] = lambda m: applied.append((m.key, m.payload["value"]))
    keys = [f"k{i}" for i in range(5)]

    def publish(chunk):
        for key in chunk:
            sync.publish("test.snapshot", key, {"value": int(key[1:])}, to="hq")

    register_snapshot("test.snapshot", keys=lambda: keys, publish=publish)
    yield applied
    for registry in (SNAPSHOTS, HANDLERS, TOPICS):
        registry.pop("test.snapshot", None)


@override_settings(SYNC_RESYNC_CHUNK_SIZE=2)
def test_resync_runs_in_chunks_and_reports_each_step(numbered_snapshot):
    from sync.resync import run_chunk

    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        from hq.console import services

        request = services.request_resync("bj", actor=admin)
        relay_all()
    with in_tenant("bj"):
        run = ResyncRun.objects.get(request_id=request.request_id)
        run.topics = ["test.snapshot"]
        run.save()
        steps = []
        while run_chunk(run.pk):
            steps.append(ResyncRun.objects.get(pk=run.pk).progress["test.snapshot"]["done"])
        assert steps == [0, 2, 4]  # totals first, then chunks of two; the last one finishes
        progress = OutboxMessage.objects.filter(topic="sync.resync.progress").order_by("id")
        assert [m.payload["topics"][0]["done"] for m in progress] == [0, 2, 4, 5]
        assert progress.last().payload["status"] == "done"
        relay_all()
    assert sorted(numbered_snapshot) == [(f"k{i}", i) for i in range(5)]
    with in_tenant("hq"):
        request.refresh_from_db()
        assert (request.status, request.done, request.total) == (ResyncState.DONE, 5, 5)
        applied = InboxMessage.objects.filter(topic="sync.resync.progress", status="applied")
        assert applied.count() == 4


def test_failing_snapshot_publisher_fails_the_run_with_its_error(numbered_snapshot):
    def explode(chunk):
        raise RuntimeError("snapshot query broke")

    SNAPSHOTS["test.snapshot"] = SNAPSHOTS["test.snapshot"].__class__(
        "test.snapshot", lambda: ["k1"], explode
    )
    with in_tenant("hq"):
        from hq.console import services

        request = services.request_resync("bj", actor=make_user(["hq_admin"]))
        relay_all()
    with in_tenant("bj"):
        run = ResyncRun.objects.get(request_id=request.request_id)
        run.topics = ["test.snapshot"]
        run.save()
        run = run_resync(run.pk)
        assert run.status == "failed" and "snapshot query broke" in run.last_error
        assert not OutboxMessage.objects.filter(
            topic="test.snapshot", status=OutboxStatus.PENDING
        ).exists()
        relay_all()
    with in_tenant("hq"):
        request.refresh_from_db()
        assert request.status == ResyncState.FAILED and "snapshot query broke" in request.error
