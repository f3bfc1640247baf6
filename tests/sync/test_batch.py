"""Set-based delivery (DESIGN.md §4, issue 5 performance): a relay batch of one topic is
applied with a few statements, with the same guarantees as one message at a time —
exactly once, newest version per key wins, a bad message fails alone with its error."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

import sync
from sync.envelope import Envelope
from sync.inbox import receive, retry_failed
from sync.models import AppliedVersion, InboxMessage, InboxStatus, OutboxMessage
from sync.registry import BATCH_HANDLERS, DOWN, HANDLERS, TOPICS, register_topic
from sync.relay import relay_outbox
from tests.conftest import in_tenant

pytestmark = pytest.mark.django_db


class CountPayload(serializers.Serializer):
    value = serializers.IntegerField()


@pytest.fixture
def topics():
    """``test.batch`` (batch handler, fails on value 13) and ``test.single`` (one at a
    time); both record what they applied, in order, with the size of each call."""
    log: list = []
    register_topic("test.batch", direction=DOWN, version=1, payload=CountPayload)
    register_topic("test.single", direction=DOWN, version=1, payload=CountPayload)

    def apply_batch(messages):
        if any(m.payload["value"] == 13 for m in messages):
            raise RuntimeError("unlucky 13")
        log.append(("batch", len(messages), [(m.key, m.payload["value"]) for m in messages]))

    def apply_single(message):
        log.append(("single", 1, [(message.key, message.payload["value"])]))

    BATCH_HANDLERS["test.batch"] = apply_batch
    HANDLERS["test.single"] = apply_single
    yield log
    for registry in (BATCH_HANDLERS, HANDLERS, TOPICS):
        registry.pop("test.batch", None)
        registry.pop("test.single", None)


def envelope(topic: str, key: str, version: int, value: int) -> Envelope:
    return Envelope(str(uuid.uuid4()), "hq", "bj", topic, key, version, 1, {"value": value})


def statuses(envelopes) -> list[str]:
    ids = [e.message_id for e in envelopes]
    by_id = dict(
        InboxMessage.objects.filter(message_id__in=ids).values_list("message_id", "status")
    )
    return [by_id[uuid.UUID(i)] for i in ids]


def test_a_relay_batch_is_applied_in_one_call_newest_per_key(topics):
    """One handler call for the whole delivery; of two messages of one key only the newer
    is applied, the older is recorded stale."""
    with in_tenant("hq"):
        count = sync.publish_many(
            "test.batch", [("a", {"value": 1}), ("b", {"value": 2}), ("a", {"value": 3})], to="bj"
        )
        assert count == 3
        assert relay_outbox().delivered == 3
        first_a, _b, second_a = OutboxMessage.objects.filter(topic="test.batch").order_by("id")
    assert topics == [("batch", 2, [("a", 3), ("b", 2)])]
    with in_tenant("bj"):
        inbox = {str(m.message_id): m for m in InboxMessage.objects.filter(topic="test.batch")}
        assert inbox[str(first_a.message_id)].status == InboxStatus.STALE
        assert inbox[str(second_a.message_id)].status == InboxStatus.APPLIED
        assert inbox[str(second_a.message_id)].applied_at is not None
        versions = dict(
            AppliedVersion.objects.filter(topic="test.batch").values_list("key", "version")
        )
        assert versions == {"a": second_a.pk, "b": _b.pk}


def test_a_redelivered_batch_changes_nothing(topics):
    run = [envelope("test.batch", k, 5, n) for n, k in enumerate("xyz")]
    with in_tenant("bj"):
        assert receive(run) == 3
        assert receive(run) == 0
        assert InboxMessage.objects.filter(topic="test.batch").count() == 3
    assert topics == [("batch", 3, [("x", 0), ("y", 1), ("z", 2)])]


def test_an_older_batch_arriving_late_is_stale_key_by_key(topics):
    with in_tenant("bj"):
        receive([envelope("test.batch", "k", 10, 10), envelope("test.batch", "m", 1, 1)])
        late = [envelope("test.batch", "k", 9, 9), envelope("test.batch", "m", 2, 2)]
        assert receive(late) == 2
        assert statuses(late) == [InboxStatus.STALE, InboxStatus.APPLIED]
    assert topics[-1] == ("batch", 1, [("m", 2)])


def test_a_bad_message_fails_alone_and_is_retried_one_at_a_time(topics):
    """The batch raises; the inbox applies the run message by message: the good ones are
    applied, the bad one is failed with its own error and later retried."""
    run = [envelope("test.batch", k, 1, v) for k, v in (("a", 1), ("bad", 13), ("c", 3))]
    with in_tenant("bj"):
        assert receive(run) == 3
        assert statuses(run) == [InboxStatus.APPLIED, InboxStatus.FAILED, InboxStatus.APPLIED]
        failed = InboxMessage.objects.get(message_id=run[1].message_id)
        assert "unlucky 13" in failed.last_error
        # Its version did not advance: a later retry is not mistaken for stale.
        assert not AppliedVersion.objects.filter(key="bad", version__gt=0).exists()
        BATCH_HANDLERS["test.batch"] = lambda messages: topics.append(("fixed", len(messages)))
        InboxMessage.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
        assert retry_failed() == 1
        assert statuses(run)[1] == InboxStatus.APPLIED
    assert topics == [
        ("batch", 1, [("a", 1)]),
        ("batch", 1, [("c", 3)]),
        ("fixed", 1),
    ]


def test_runs_keep_the_order_of_messages_of_other_topics(topics):
    """A message of another topic between two runs keeps its place."""
    with in_tenant("bj"):
        receive(
            [
                envelope("test.batch", "a", 1, 1),
                envelope("test.batch", "b", 1, 2),
                envelope("test.single", "s", 1, 3),
                envelope("test.batch", "c", 1, 4),
                envelope("test.batch", "d", 1, 5),
            ]
        )
    assert [entry[0:2] for entry in topics] == [("batch", 2), ("single", 1), ("batch", 2)]


def test_an_invalid_payload_refuses_the_whole_publication(topics):
    with in_tenant("hq"):
        with pytest.raises(ValidationError):
            sync.publish_many(
                "test.batch", [("a", {"value": 1}), ("b", {"value": "many"})], to="bj"
            )
        assert not OutboxMessage.objects.filter(topic="test.batch").exists()
    assert connection.schema_name == "public"


@pytest.fixture
def ungated(topics):
    """``test.bulk``: the batch handler of ``test.batch`` on a topic that is not gated."""
    register_topic("test.bulk", direction=DOWN, version=1, payload=CountPayload, gated=False)
    BATCH_HANDLERS["test.bulk"] = BATCH_HANDLERS["test.batch"]
    yield topics
    for registry in (BATCH_HANDLERS, TOPICS):
        registry.pop("test.bulk", None)


def test_an_ungated_topic_applies_every_message_once_whatever_its_key(ungated):
    """A bulk topic (``club.roster``) carries many rows per message, so its key does not
    decide anything: every new message is applied, older versions of a key included, and
    no applied-version row is kept; a repeated delivery still applies nothing twice."""
    run = [envelope("test.bulk", "a", 5, 1), envelope("test.bulk", "a", 3, 2)]
    with in_tenant("bj"):
        assert receive(run) == 2
        assert receive(run) == 0
        assert receive(run[:1]) == 0
        assert statuses(run) == [InboxStatus.APPLIED, InboxStatus.APPLIED]
        assert not AppliedVersion.objects.filter(topic="test.bulk").exists()
        single = envelope("test.bulk", "a", 1, 4)
        assert receive([single]) == 1  # one at a time: no gate either
        assert statuses([single]) == [InboxStatus.APPLIED]
    assert ungated == [("batch", 2, [("a", 1), ("a", 2)]), ("batch", 1, [("a", 4)])]
