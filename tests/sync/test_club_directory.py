"""The national roster and member directory, and visiting-member usage routed through HQ
(R11.1 "members are served in every province", R6.5.3)."""

from datetime import date

import pytest

from hq.club.models import ClubMember, ClubUsage, VisitRouting
from province.club import services
from province.club.models import BenefitUsage, VisitingUsage
from sync import directory
from sync.inbox import receive
from sync.models import InboxMessage, MemberDirectoryEntry
from sync.relay import envelope_of
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay, round_trip
from tests.conftest import in_tenant
from tests.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def bj_member(db):
    """A bj member (allowance 3 lounge visits a year) whose roster row has reached HQ."""
    define_and_publish_club(allowance=3)
    with in_tenant("bj"):
        org = make_org()
        customer = make_member_candidate(org.manager_a, name="张三丰", phone="13912345678")
        (member,) = services.enrol([customer], actor=org.admin.user)
    relay("bj")
    return member


@pytest.fixture
def sh_desk(db):
    with in_tenant("sh"):
        return make_org().agent_a


def test_roster_reaches_hq_and_updates_replace(bj_member):
    """R11.1: HQ holds one roster row per member; the latest message wins."""
    with in_tenant("hq"):
        row = ClubMember.objects.get(card_number=bj_member.card_number)
        assert (row.home_province, row.tier, row.status) == ("bj", "platinum", "active")
        assert row.name_masked == "张**" and row.phone_masked == "139****5678"
    with in_tenant("bj"):
        services.change_status(bj_member, "suspend", actor=None)
    relay("bj")
    with in_tenant("hq"):
        assert ClubMember.objects.filter(card_number=bj_member.card_number).count() == 1
        assert ClubMember.objects.get(card_number=bj_member.card_number).status == "suspended"


def test_roster_batch_keeps_newer_rows_and_refuses_another_provinces_member(bj_member):
    """Set-based roster apply: an older row never overwrites a newer one (roster and
    directory alike), and a province sending a member it is not home of fails alone."""
    import uuid

    from sync.envelope import Envelope
    from sync.inbox import receive
    from sync.models import InboxMessage

    with in_tenant("hq"):
        row = ClubMember.objects.get(card_number=bj_member.card_number)
        payload = {
            "card_number": row.card_number,
            "home_province": "bj",
            "tier": "gold",
            "status": "ended",
            "name_masked": "x",
            "phone_masked": "",
            "phone_key": "",
            "level": "silver",
            "since": "2020-01-01",
        }

        def member_message(source: str, key: str, version: int) -> Envelope:
            return Envelope(
                str(uuid.uuid4()), source, "hq", "club.member", key, version, 1, payload
            )

        # The sync core's per-key gate would skip an older message: use a key it never saw,
        # so the roster's own version check is what keeps the newer row.
        assert receive([member_message("bj", "other", row.version - 1)]) == 1
        assert ClubMember.objects.get(pk=row.pk).status == "active"
        entry = MemberDirectoryEntry.objects.get(card_number=row.card_number)
        assert (entry.status, entry.version) == ("active", row.version)
        foreign = member_message("sh", "x", 10**9)
        assert receive([foreign]) == 1
        failed = InboxMessage.objects.get(message_id=foreign.message_id)
        assert failed.status == "failed" and "sh sent a member of bj" in failed.last_error
        assert ClubMember.objects.get(pk=row.pk).home_province == "bj"


def test_directory_holds_no_raw_phone(bj_member):
    with in_tenant("hq"):
        entry = MemberDirectoryEntry.objects.get(card_number=bj_member.card_number)
        assert "13912345678" not in entry.phone_key and len(entry.phone_key) == 64
        assert entry.phone_key == directory.phone_key("139 1234 5678")


def test_directory_is_filled_only_at_hq(bj_member):
    with in_tenant("bj"):
        assert not MemberDirectoryEntry.objects.exists()
        with pytest.raises(RuntimeError):
            directory.record_members([], rows=None, fields=["card_number"])


def test_sh_finds_a_bj_member_by_card_and_by_phone(bj_member):
    """R11.1, R6.5.3: lookup from another province returns home province and card."""
    with in_tenant("sh"):
        by_card = directory.find_member(card_number=bj_member.card_number)
        by_phone = directory.find_member(phone="13912345678")
        assert by_card == by_phone
        assert (by_card.home_province, by_card.card_number, by_card.tier) == (
            "bj",
            bj_member.card_number,
            "platinum",
        )
        assert directory.find_member(phone="13900000000") is None


def test_an_ended_member_is_not_found(bj_member):
    with in_tenant("bj"):
        services.change_status(bj_member, "end", actor=None)
    relay("bj")
    with in_tenant("sh"):
        assert directory.find_member(card_number=bj_member.card_number) is None
        assert directory.find_member(phone="13912345678") is None


def test_visiting_usage_round_trip_is_recorded_at_home(bj_member, sh_desk):
    """R11.1, R6.5.3: a bj member served in sh: sh pending → HQ → bj applies it to the
    allowance → HQ → sh done; HQ records the routing and bj's usage reaches the roster."""
    with in_tenant("sh"):
        entry = directory.find_member(card_number=bj_member.card_number)
        visit = services.request_visit_usage(
            entry, "lounge", 2, actor=sh_desk.user, used_on=date(2025, 7, 1)
        )
        assert visit.status == "pending"
    round_trip()
    with in_tenant("bj"):
        usage = BenefitUsage.objects.get(request_id=visit.request_id)
        assert (usage.quantity, usage.serving_province) == (2, "sh")
    with in_tenant("sh"):
        visit.refresh_from_db()
        assert (visit.status, visit.remaining) == ("done", 1)
    with in_tenant("hq"):
        assert VisitRouting.objects.get(request_id=visit.request_id).status == "done"
        assert ClubUsage.objects.get(card_number=bj_member.card_number).quantity == 2


def test_visiting_usage_beyond_allowance_is_refused_back_to_sh(bj_member, sh_desk):
    with in_tenant("sh"):
        entry = directory.find_member(card_number=bj_member.card_number)
        visit = services.request_visit_usage(entry, "lounge", 4, actor=sh_desk.user)
    round_trip()
    with in_tenant("bj"):
        assert not BenefitUsage.objects.exists()
    with in_tenant("sh"):
        visit.refresh_from_db()
        assert (visit.status, visit.reason) == ("refused", "allowance_exhausted")
        assert visit.reason_text not in ("", "allowance_exhausted")


def test_redelivered_visit_request_is_applied_once(bj_member, sh_desk):
    """At-least-once delivery, exactly-once effect: the same message again (inbox dedup) and
    the same request id in a new message (request-id idempotency) apply once."""
    with in_tenant("sh"):
        entry = directory.find_member(card_number=bj_member.card_number)
        services.request_visit_usage(entry, "lounge", 1, actor=sh_desk.user)
    relay("sh", "hq")  # bj has applied club.visit.apply; its answer waits in its outbox
    with in_tenant("hq"):
        from sync.models import OutboxMessage

        sent = OutboxMessage.objects.get(topic="club.visit.apply")
        envelope = envelope_of(sent, "hq")
    with in_tenant("bj"):
        assert receive([envelope]) == 0  # the same message again: skipped
        services.apply_visit_usage(envelope.payload)  # the same request id again
        assert BenefitUsage.objects.filter(request_id=envelope.payload["request_id"]).count() == 1
        assert InboxMessage.objects.filter(topic="club.visit.apply").count() == 1
    round_trip()
    with in_tenant("sh"):
        assert VisitingUsage.objects.get().status == "done"


def test_a_member_is_not_served_as_a_visitor_at_home(bj_member):
    from django.core.exceptions import ValidationError

    with in_tenant("bj"):
        entry = directory.find_member(card_number=bj_member.card_number)
        with pytest.raises(ValidationError):
            services.request_visit_usage(entry, "lounge", 1, actor=None)
