"""The sync core: publish → relay → inbox → handler, exactly once (DESIGN.md §4, R11.2)."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

import sync
from hq.federation.models import ProvinceSummary
from sync.envelope import Envelope
from sync.inbox import receive, retry_failed
from sync.models import AppliedVersion, InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sync.registry import DOWN, HANDLERS, TOPICS, register_topic
from sync.relay import relay_all, relay_outbox
from tests.conftest import in_tenant
from tests.factories import make_staff, make_unit

pytestmark = pytest.mark.django_db


class EchoPayload(serializers.Serializer):
    value = serializers.IntegerField()


@pytest.fixture
def echo_topic():
    """A test topic HQ → province whose handler records what it applied (and can fail)."""
    applied = []
    state = {"fail": False}
    register_topic("test.echo", direction=DOWN, version=1, payload=EchoPayload)

    def apply_echo(message):
        if state["fail"]:
            raise RuntimeError("handler exploded")
        applied.append((connection.schema_name, message.key, message.payload["value"]))

    HANDLERS["test.echo"] = apply_echo
    yield applied, state
    HANDLERS.pop("test.echo", None)
    TOPICS.pop("test.echo", None)


def test_publish_relay_applies_once(echo_topic):
    applied, _state = echo_topic
    with in_tenant("hq"):
        message = sync.publish("test.echo", "k1", {"value": 7}, to="bj")
        assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING
        result = relay_outbox()
        assert (result.delivered, result.failed) == (1, 0)
        assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.DELIVERED
        assert relay_outbox().delivered == 0  # nothing left
    assert applied == [("bj", "k1", 7)]
    with in_tenant("bj"):
        inbox = InboxMessage.objects.get(message_id=message.message_id)
        assert (inbox.status, inbox.source) == (InboxStatus.APPLIED, "hq")


def test_redelivery_does_not_apply_twice(echo_topic):
    applied, _state = echo_topic
    envelope = Envelope(str(uuid.uuid4()), "hq", "bj", "test.echo", "k", 1, 1, {"value": 1})
    with in_tenant("bj"):
        assert receive([envelope]) == 1
        assert receive([envelope]) == 0
        assert InboxMessage.objects.filter(message_id=envelope.message_id).count() == 1
    assert applied == [("bj", "k", 1)]


def test_stale_version_is_not_applied(echo_topic):
    applied, _state = echo_topic
    newer = Envelope(str(uuid.uuid4()), "hq", "bj", "test.echo", "k", 10, 1, {"value": 10})
    older = Envelope(str(uuid.uuid4()), "hq", "bj", "test.echo", "k", 9, 1, {"value": 9})
    with in_tenant("bj"):
        receive([newer, older])
        assert InboxMessage.objects.get(message_id=older.message_id).status == InboxStatus.STALE
        assert AppliedVersion.objects.get(source="hq", key="k").version == 10
    assert applied == [("bj", "k", 10)]


def test_failing_handler_keeps_message_failed_then_retry_applies(echo_topic):
    applied, state = echo_topic
    state["fail"] = True
    with in_tenant("hq"):
        message = sync.publish("test.echo", "k2", {"value": 2}, to="bj")
        assert relay_outbox().delivered == 1  # delivery succeeded; applying failed
    with in_tenant("bj"):
        inbox = InboxMessage.objects.get(message_id=message.message_id)
        assert inbox.status == InboxStatus.FAILED
        assert "handler exploded" in inbox.last_error
        assert inbox.next_attempt_at > timezone.now()  # backoff
        assert retry_failed() == 0  # not due yet
        state["fail"] = False
        InboxMessage.objects.filter(pk=inbox.pk).update(next_attempt_at=timezone.now())
        assert retry_failed() == 1
        inbox.refresh_from_db()
        assert (inbox.status, inbox.attempts, inbox.last_error) == (InboxStatus.APPLIED, 2, "")
    assert applied == [("bj", "k2", 2)]


def test_failing_message_does_not_block_the_others(echo_topic):
    applied, state = echo_topic
    with in_tenant("hq"):
        sync.publish("test.echo", "a", {"value": 1}, to="bj")
    state["fail"] = True
    with in_tenant("bj"):
        receive([Envelope(str(uuid.uuid4()), "hq", "bj", "test.echo", "b", 1, 1, {"value": 2})])
    state["fail"] = False
    with in_tenant("hq"):
        relay_outbox()
    assert applied == [("bj", "a", 1)]


def test_delivery_to_unknown_tenant_stays_pending_with_error(echo_topic):
    with in_tenant("hq"):
        message = sync.publish("test.echo", "k", {"value": 1}, to="nowhere")
        result = relay_outbox()
        assert result.failed == 1
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert "DoesNotExist" in message.last_error


def test_invalid_payload_is_refused_at_the_sender(echo_topic):
    from rest_framework.exceptions import ValidationError

    with in_tenant("hq"), pytest.raises(ValidationError):
        sync.publish("test.echo", "k", {"value": "not a number"}, to="bj")


def test_r11_2_staff_change_reaches_hq_province_list(tenant_client):
    with in_tenant("bj"):
        unit = make_unit("Root", kind="province")
        make_staff(unit)
        make_staff(unit)
        relay_all()
    with in_tenant("hq"):
        summary = ProvinceSummary.objects.get(province="bj")
        assert summary.staff_count == 2 and summary.org_unit_count == 1
        from tests.factories import make_user

        analyst = make_user(["hq_analyst"])
    page = tenant_client("hq", analyst).get("/")
    assert page.status_code == 200
    row = next(s for s in page.context["statuses"] if s.schema_name == "bj")
    assert row.staff_count == 2 and row.last_sync_at is not None
    other = next(s for s in page.context["statuses"] if s.schema_name == "sh")
    assert other.staff_count is None and other.last_sync_at is None


def test_only_one_relay_per_sender_at_a_time(echo_topic):
    """A second relay of the same sender backs off, so one key's messages go out in order."""
    import psycopg2

    from sync.relay import RELAY_LOCK_SQL

    applied, _state = echo_topic
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute(RELAY_LOCK_SQL, ["hq"])  # another relay of hq is "running"
            assert cursor.fetchone()[0]
        with in_tenant("hq"):
            sync.publish("test.echo", "k", {"value": 1}, to="bj")
            assert relay_outbox().delivered == 0
        other.rollback()  # that relay finished
        with in_tenant("hq"):
            assert relay_outbox().delivered == 1
    finally:
        other.close()
    assert applied == [("bj", "k", 1)]


def test_beat_sweep_queues_relays_for_tenants_with_due_messages(echo_topic):
    """The sweep finds due outbox rows and failed inbox rows (queues tasks on the broker)."""
    from sync.tasks import sweep_task

    assert sweep_task() == 0
    with in_tenant("hq"):
        sync.publish("test.echo", "k", {"value": 1}, to="bj")
    assert sweep_task() == 1


def test_each_active_province_enters_each_schema_and_skips_inactive():
    from sync.directory import each_active_province
    from tenants.models import Tenant

    Tenant.objects.filter(schema_name="sh").update(is_active=False)
    seen = [(member.schema_name, connection.schema_name) for member in each_active_province()]
    assert seen == [("bj", "bj")]
    assert connection.schema_name == "public"  # restored after the loop
