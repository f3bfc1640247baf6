"""A club member's name, phone or level change reaches HQ's roster and directory (R11.1):
the province re-publishes the roster row (``club.roster``) in the transaction of the change
(customer update, level decision, merge), for live members only."""

import pytest
from django.core.exceptions import ValidationError

from hq.club.models import ClubMember
from province.club import services
from province.club.models import ClubMembership
from province.customers import merging
from province.customers import services as customers
from province.levels import services as levels
from sync import directory
from sync.models import MemberDirectoryEntry, OutboxMessage
from tests.club_scenario import (
    define_and_publish_club,
    make_member_candidate,
    relay,
    roster_rows,
)
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db

OLD_PHONE, NEW_PHONE = "13912345678", "13698765432"


@pytest.fixture
def club(db):
    """A bj member (gold level → platinum tier) whose roster row has reached HQ."""
    define_and_publish_club()
    with in_tenant("bj"):
        org = make_org()
        customer = make_member_candidate(org.manager_a, name="张三丰", phone=OLD_PHONE)
        (member,) = services.enrol([customer], actor=org.admin.user)
    relay("bj")
    return {"org": org, "customer": customer, "member": member}


def test_phone_change_republishes_and_hq_finds_the_member_by_the_new_phone(club):
    """R11.1: the directory finds a member by the phone the province holds now."""
    member = club["member"]
    with in_tenant("bj"):
        customers.update_customer(club["customer"], actor=club["org"].admin.user, phone=NEW_PHONE)
        sent = roster_rows(member.card_number)
        assert len(sent) == 2  # enrolment, then the change
        payload = sent[-1]
        assert payload["phone_key"] == directory.phone_key(NEW_PHONE)
        assert payload["phone_masked"] == "136****5432"
        assert (payload["status"], payload["tier"], payload["level"]) == (
            "active",
            "platinum",
            "gold",
        )
    relay("bj")
    with in_tenant("hq"):
        assert ClubMember.objects.get(card_number=member.card_number).phone_masked == (
            "136****5432"
        )
        entry = MemberDirectoryEntry.objects.get(card_number=member.card_number)
        assert entry.phone_key == directory.phone_key(NEW_PHONE)
    with in_tenant("sh"):
        found = directory.find_member(phone=NEW_PHONE)
        assert found is not None and found.card_number == member.card_number
        assert directory.find_member(phone=OLD_PHONE) is None


def test_name_change_republishes_the_masked_name(club):
    with in_tenant("bj"):
        customers.update_customer(club["customer"], actor=None, name="李四光")
        assert roster_rows(club["member"].card_number)[-1]["name_masked"] == "李**"


def test_changes_that_hq_does_not_hold_publish_nothing(club):
    """A non-member's phone, or a member's address, is none of HQ's business."""
    with in_tenant("bj"):
        stranger = make_customer(club["org"].manager_a, level="gold")
        before = OutboxMessage.objects.count()
        customers.update_customer(stranger, actor=None, phone=NEW_PHONE)
        levels.override_level(stranger, "diamond", actor=club["org"].admin.user, reason="审核")
        customers.update_customer(club["customer"], actor=None, address="长安街1号")
        customers.update_customer(club["customer"], actor=None, phone=OLD_PHONE)  # unchanged
        assert OutboxMessage.objects.count() == before


def test_a_refused_change_publishes_nothing(club):
    """Bad input: field error, customer unchanged, no roster message."""
    with in_tenant("bj"):
        before = OutboxMessage.objects.count()
        with pytest.raises(ValidationError) as error:
            customers.update_customer(club["customer"], actor=None, phone="12345")
        assert "phone" in error.value.message_dict
        club["customer"].refresh_from_db()
        assert club["customer"].phone == OLD_PHONE
        assert OutboxMessage.objects.count() == before


def test_level_change_republishes_and_a_drop_below_the_rules_keeps_the_membership(club):
    """R11.1, R2.2: an override (as any level decision) re-publishes the level; under
    HQ's default policy (``keep``) a level below the entry rules keeps the membership and
    its tier (docs/club.md; the other policies: test_club_level_policy.py)."""
    member = club["member"]
    admin = club["org"].admin.user
    with in_tenant("bj"):
        levels.override_level(club["customer"], "diamond", actor=admin, reason="年度评审")
        assert roster_rows(member.card_number)[-1]["level"] == "diamond"
        levels.override_level(club["customer"], "standard", actor=admin, reason="欠费降级")
        payload = roster_rows(member.card_number)[-1]
        assert (payload["level"], payload["tier"], payload["status"]) == (
            "standard",
            "platinum",
            "active",
        )
        assert ClubMembership.objects.get(pk=member.pk).status == "active"
    relay("bj")
    with in_tenant("hq"):
        row = ClubMember.objects.get(card_number=member.card_number)
        assert (row.level, row.tier, row.status) == ("standard", "platinum", "active")


def test_suspended_members_are_republished_ended_ones_are_not(club):
    member = club["member"]
    with in_tenant("bj"):
        services.change_status(member, "suspend", actor=None)
        customers.update_customer(club["customer"], actor=None, phone=NEW_PHONE)
        last = roster_rows(member.card_number)[-1]
        assert (last["status"], last["phone_key"]) == ("suspended", directory.phone_key(NEW_PHONE))
        services.change_status(member, "end", actor=None)
        count = len(roster_rows(member.card_number))
        customers.update_customer(club["customer"], actor=None, phone=OLD_PHONE)
        assert len(roster_rows(member.card_number)) == count


def test_a_merge_moves_the_card_and_republishes_it_with_the_survivors_phone(club):
    """R2.1.2 + R11.1: the duplicate's card moves to the survivor; HQ learns its phone and
    level, and a revert sends the duplicate's back."""
    member, org = club["member"], club["org"]
    with in_tenant("bj"):
        survivor = make_customer(org.manager_a, level="diamond", phone=NEW_PHONE)
        merge = merging.merge_customers(
            survivor, club["customer"], actor=org.admin.user, reason="重复录入"
        )
        assert ClubMembership.objects.get(pk=member.pk).customer_id == survivor.pk
        payload = roster_rows(member.card_number)[-1]
        assert (payload["phone_key"], payload["level"]) == (
            directory.phone_key(NEW_PHONE),
            "diamond",
        )
        merging.revert_merge(merge, actor=org.admin.user)
        payload = roster_rows(member.card_number)[-1]
        assert (payload["phone_key"], payload["level"]) == (directory.phone_key(OLD_PHONE), "gold")
