"""Bulk enrolment and the roster snapshot of the club (R11.1; issue 5 item 6 and
"Performance": a province joins the club with all its eligible customers at once, and a full
resync re-publishes the whole roster)."""

import pytest

from province.club import selectors, services
from province.club.models import ClubMembership
from shared.errors import Conflict
from sync.models import MemberDirectoryEntry, OutboxMessage
from sync.registry import SNAPSHOTS
from tests.club_scenario import (
    define_and_publish_club,
    make_member_candidate,
    put_in_arrears,
    relay,
    roster_rows,
)
from tests.conftest import in_tenant
from tests.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(bj):
    define_and_publish_club()
    return make_org()


def test_enrol_eligible_enrols_exactly_the_eligible_and_tells_hq(club):
    """R11.1: the set-based enrolment admits what ``eligible_customers`` admits, numbers the
    cards by province code, gives the level's tier and publishes one roster row each."""
    m = club.manager_a
    silver = make_member_candidate(m, level="silver")
    diamond = make_member_candidate(m, level="diamond")
    make_member_candidate(m, level="standard")  # level too low
    put_in_arrears(make_member_candidate(m))  # refused for arrears
    (already,) = services.enrol([make_member_candidate(m)], actor=club.admin.user)

    made = services.enrol_eligible(actor=club.admin.user)

    assert sorted((x.customer_id, x.tier) for x in made) == [
        (silver.pk, "gold"),
        (diamond.pk, "diamond"),
    ]
    numbers = [x.card_number for x in made]
    assert all(n.startswith("11") and len(n) == 10 for n in numbers)
    assert len(set(numbers + [already.card_number])) == 3
    assert all(
        x.history.count() == 1 for x in ClubMembership.objects.filter(pk__in=[x.pk for x in made])
    )
    published = [row["card_number"] for row in roster_rows()]
    assert sorted(published) == sorted(numbers + [already.card_number])
    rules = selectors.current_rules()
    assert not selectors.eligible_customers(rules).exists()
    assert services.enrol_eligible(actor=None) == []


def test_enrol_eligible_before_the_rules_is_a_conflict(bj):
    org = make_org()
    make_member_candidate(org.manager_a)
    with pytest.raises(Conflict):
        services.enrol_eligible(actor=None)
    assert not ClubMembership.objects.exists()


def test_roster_snapshot_republishes_every_member_to_hq(club):
    """Issue 5 item 6: ``club.member`` has a snapshot publisher, so a full resync rebuilds
    HQ's roster and directory, ended members included."""
    from hq.club.models import ClubMember

    make_member_candidate(club.manager_a, level="silver")
    made = services.enrol_eligible(actor=None)
    made += services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    services.change_status(made[-1], "end", actor=None)
    relay("bj")
    snapshot = SNAPSHOTS["club.member"]
    assert snapshot.keys() == sorted(m.card_number for m in made)
    before = len(roster_rows())
    snapshot.publish(snapshot.keys())
    assert sorted(r["card_number"] for r in roster_rows()[before:]) == snapshot.keys()
    with in_tenant("hq"):
        ClubMember.objects.all().delete()
    relay("bj")
    with in_tenant("hq"):
        assert ClubMember.objects.filter(status="ended").count() == 1
        assert ClubMember.objects.count() == len(made)


def test_roster_rows_travel_in_messages_of_bounded_size(club, settings):
    """Issue 5 "Performance": a set of members leaves as ``club.roster`` messages of at most
    ``SYNC_BULK_MESSAGE_ROWS`` rows, keyed by their card range, and HQ applies every row."""
    from hq.club.models import ClubMember

    settings.SYNC_BULK_MESSAGE_ROWS = 2
    for level in ("silver", "gold", "diamond"):
        make_member_candidate(club.manager_a, level=level)
    made = sorted(m.card_number for m in services.enrol_eligible(actor=None))

    messages = list(OutboxMessage.objects.filter(topic="club.roster").order_by("id"))
    assert [len(m.payload["members"]) for m in messages] == [2, 1]
    assert [m.key for m in messages] == [f"{made[0]}-{made[1]}", made[2]]
    relay("bj")
    with in_tenant("hq"):
        assert sorted(ClubMember.objects.values_list("card_number", flat=True)) == made
        assert MemberDirectoryEntry.objects.filter(card_number__in=made).count() == 3


def test_an_older_roster_row_never_overwrites_a_newer_member_message(club):
    """A roster message is not gated per key: HQ compares each row's version, so a roster
    row older than what HQ holds for that card (a late delivery) changes nothing, and a newer
    one wins over an older ``club.member`` message."""
    import uuid

    from hq.club.models import ClubMember
    from sync.envelope import Envelope
    from sync.inbox import receive

    def roster_message(version: int, row: dict) -> Envelope:
        payload = {"members": [row]}
        return Envelope(str(uuid.uuid4()), "bj", "hq", "club.roster", "k", version, 1, payload)

    (member,) = services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    relay("bj")
    row = roster_rows(member.card_number)[-1]
    with in_tenant("hq"):
        held = ClubMember.objects.get(card_number=member.card_number)
        assert receive([roster_message(held.version - 1, {**row, "status": "ended"})]) == 1
        assert ClubMember.objects.get(pk=held.pk).status == "active"
        assert MemberDirectoryEntry.objects.get(card_number=member.card_number).status == "active"
        assert receive([roster_message(held.version + 1, {**row, "tier": "x"})]) == 1
        assert ClubMember.objects.get(pk=held.pk).tier == "x"
        assert MemberDirectoryEntry.objects.get(card_number=member.card_number).tier == "x"
