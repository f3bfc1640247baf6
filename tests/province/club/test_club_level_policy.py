"""What a level drop does to a club membership is HQ's to decide (R11.1): HQ's entry rules
carry a policy (keep, suspend, end) and whether the tier follows the level; the province
applies them where levels change, in the transaction of the change, through the
membership's history and the roster message to HQ (docs/club.md, "Level changes")."""

from datetime import date

import pytest
from django.db import transaction

from hq.club.models import ClubMember
from province.club import selectors, services
from province.club.models import ClubMembership, ClubRules
from province.levels import services as levels
from shared.errors import Conflict
from sync import directory
from sync.models import OutboxMessage
from sync.registry import get_topic, validate_payload
from tests.club_scenario import (
    define_and_publish_club,
    make_member_candidate,
    relay,
    republish_entry_rules,
    roster_rows,
)
from tests.conftest import in_tenant
from tests.factories import make_org

# History reasons are read in English (zh-hans is the default language).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _member(schema: str = "bj", level: str = "gold"):
    """A member of ``schema`` (gold level → platinum tier) whose row has reached HQ."""
    with in_tenant(schema):
        org = make_org()
        customer = make_member_candidate(org.manager_a, level=level)
        (member,) = services.enrol([customer], actor=org.admin.user)
    relay(schema)
    return org, customer, member


def _set_level(org, customer, level: str) -> None:
    levels.override_level(customer, level, actor=org.admin.user, reason="复核")


def _hq_row(member) -> ClubMember:
    with in_tenant("hq"):
        return ClubMember.objects.get(card_number=member.card_number)


def _last_history_reason(member) -> str:
    return (
        ClubMembership.history.filter(id=member.pk).order_by("-history_id")[0].history_change_reason
    )


def test_keep_is_the_default_and_keeps_membership_and_tier():
    """R11.1: without a decision from HQ (policy ``keep``), a drop below the entry rules
    keeps the membership and its tier, and a rise keeps the tier; HQ sees the new level."""
    define_and_publish_club()
    org, customer, member = _member()
    with in_tenant("bj"):
        rules = selectors.current_rules()
        assert (rules.level_drop, rules.tier_follows_level) == ("keep", False)
        _set_level(org, customer, "diamond")
        _set_level(org, customer, "standard")
        member.refresh_from_db()
        assert (member.status, member.status_reason, member.tier) == ("active", "", "platinum")
    relay("bj")
    row = _hq_row(member)
    assert (row.status, row.level, row.tier) == ("active", "standard", "platinum")


def test_suspend_policy_suspends_in_the_level_change_and_lifts_it_when_the_level_returns():
    """R11.1, R2.2: policy ``suspend``: a level decision below the entry rules suspends the
    membership (reason ``level``, history with why, roster row to HQ) in its own
    transaction; the member can no longer be served elsewhere; a level that qualifies again
    reinstates it automatically."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")
        member.refresh_from_db()
        assert (member.status, member.status_reason) == ("suspended", "level")
        assert "below the club entry rules" in _last_history_reason(member)
        assert ClubMembership.history.filter(id=member.pk).count() == 2  # enrolment, policy
        last = roster_rows(member.card_number)[-1]
        assert (last["status"], last["level"]) == ("suspended", "standard")
        with pytest.raises(Conflict) as refused:
            services.record_usage(member, "lounge", 1, actor=None)
        assert refused.value.code == "not_active"
    relay("bj")
    assert _hq_row(member).status == "suspended"
    with in_tenant("sh"):
        assert directory.find_member(card_number=member.card_number) is None
    with in_tenant("bj"):
        _set_level(org, customer, "silver")  # qualifies again (the gold tier's level)
        member.refresh_from_db()
        assert (member.status, member.status_reason, member.tier) == ("active", "", "platinum")
        assert "qualifies for the club again" in _last_history_reason(member)
        assert roster_rows(member.card_number)[-1]["status"] == "active"
    relay("bj")
    assert _hq_row(member).status == "active"
    with in_tenant("sh"):
        assert directory.find_member(card_number=member.card_number) is not None


def test_a_level_change_rolled_back_leaves_the_membership_and_sends_nothing():
    """R11.1: the suspension is part of the level change's transaction (transactional
    outbox): if the change rolls back, so do the suspension, its history and the message."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member()
    with in_tenant("bj"):
        before = OutboxMessage.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            _set_level(org, customer, "standard")
            assert ClubMembership.objects.get(pk=member.pk).status == "suspended"
            raise RuntimeError("the caller fails after the level change")
        member.refresh_from_db()
        customer.refresh_from_db()
        assert (customer.level, member.status) == ("gold", "active")
        assert ClubMembership.history.filter(id=member.pk).count() == 1
        assert OutboxMessage.objects.count() == before


def test_a_suspension_by_staff_is_never_lifted_by_the_level():
    """R11.1: only a suspension the policy made is lifted automatically; staff's reasons
    are theirs (reason ``staff``)."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member()
    with in_tenant("bj"):
        services.change_status(member, "suspend", actor=org.admin.user)
        _set_level(org, customer, "standard")
        _set_level(org, customer, "diamond")
        member.refresh_from_db()
        assert (member.status, member.status_reason) == ("suspended", "staff")


def test_staff_cannot_reinstate_a_member_the_rules_do_not_keep(api_client):
    """R11.1: under ``suspend`` a member below the entry rules cannot be reinstated by hand
    (409 ``below_entry_rules``, nothing written); under ``keep`` they can."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")
        before = OutboxMessage.objects.count()
    response = api_client("bj", org.admin.user).post(
        f"/api/club/memberships/{member.pk}/reinstate/"
    )
    assert response.status_code == 409 and response.json()["code"] == "below_entry_rules"
    with in_tenant("bj"):
        assert ClubMembership.objects.get(pk=member.pk).status == "suspended"
        assert OutboxMessage.objects.count() == before
    republish_entry_rules(level_drop="keep")  # HQ changes its mind: the suspension is lifted
    with in_tenant("bj"):
        member.refresh_from_db()
        assert (member.status, member.status_reason) == ("active", "")
        services.change_status(member, "suspend", actor=org.admin.user)
        assert services.change_status(member, "reinstate", actor=org.admin.user).status == (
            "active"
        )


def test_end_policy_ends_the_membership_and_the_customer_may_enrol_again():
    """R11.1: policy ``end``: a level below the entry rules ends the membership (ended
    today, reason ``level``; HQ's roster says ended); a level that qualifies again does
    not revive it, the customer is eligible and enrols with a new card."""
    define_and_publish_club(level_drop="end")
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")
        member.refresh_from_db()
        assert (member.status, member.status_reason, member.ended_on) == (
            "ended",
            "level",
            date.today(),
        )
        assert roster_rows(member.card_number)[-1]["status"] == "ended"
        _set_level(org, customer, "gold")
        member.refresh_from_db()
        assert member.status == "ended"
        assert len([r for r in roster_rows(member.card_number) if r["status"] == "ended"]) == 1
        rules = selectors.current_rules()
        assert customer.pk in set(selectors.eligible_customers(rules).values_list("pk", flat=True))
        (again,) = services.enrol([customer], actor=org.admin.user)
        assert again.card_number != member.card_number and again.status == "active"
    relay("bj")
    assert _hq_row(member).status == "ended"


def test_end_policy_ends_a_membership_staff_had_suspended():
    """R11.1: under ``end`` the level decides, whatever the member's live status."""
    define_and_publish_club(level_drop="end")
    org, customer, member = _member()
    with in_tenant("bj"):
        services.change_status(member, "suspend", actor=org.admin.user)
        _set_level(org, customer, "standard")
        member.refresh_from_db()
        assert (member.status, member.status_reason) == ("ended", "level")


def test_the_tier_follows_the_level_when_hq_says_so():
    """R11.1: with ``tier_follows_level`` a level of another tier moves the card there (up
    and down, history and roster row); a level below the rules keeps the last tier."""
    define_and_publish_club(tier_follows_level=True)
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "diamond")
        member.refresh_from_db()
        assert member.tier == "diamond"
        assert "gives tier diamond" in _last_history_reason(member)
        assert roster_rows(member.card_number)[-1]["tier"] == "diamond"
        _set_level(org, customer, "silver")
        member.refresh_from_db()
        assert member.tier == "gold"
        _set_level(org, customer, "standard")  # keep: no tier to move to
        member.refresh_from_db()
        assert (member.status, member.tier) == ("active", "gold")
    relay("bj")
    assert _hq_row(member).tier == "gold"


def test_suspended_then_back_at_another_tier_level_is_reinstated_in_that_tier():
    """R11.1: both rules at once: reinstated and re-tiered in one change, one history row."""
    define_and_publish_club(level_drop="suspend", tier_follows_level=True)
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")
        _set_level(org, customer, "diamond")
        member.refresh_from_db()
        assert (member.status, member.tier) == ("active", "diamond")
        reason = _last_history_reason(member)
        assert "qualifies for the club again" in reason and "tier diamond" in reason
        assert ClubMembership.history.filter(id=member.pk).count() == 3


def test_a_new_version_applies_the_policy_to_current_members():
    """R11.1: HQ's decision reaches members already below the rules when it is published,
    not only at their next level change: a stricter policy, or a higher minimum level,
    suspends them on arrival (with their roster rows to HQ); ``keep`` lifts those
    suspensions again."""
    define_and_publish_club()
    org, customer, member = _member()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")  # kept under keep
        silver = make_member_candidate(org.manager_a, level="silver")
        (silver_member,) = services.enrol([silver], actor=org.admin.user)
    republish_entry_rules(level_drop="suspend")
    with in_tenant("bj"):
        member.refresh_from_db()
        silver_member.refresh_from_db()
        assert (member.status, member.status_reason) == ("suspended", "level")
        assert silver_member.status == "active"
        assert roster_rows(member.card_number)[-1]["status"] == "suspended"
    republish_entry_rules(min_level="gold")  # silver no longer admitted
    with in_tenant("bj"):
        silver_member.refresh_from_db()
        assert (silver_member.status, silver_member.status_reason) == ("suspended", "level")
    republish_entry_rules(level_drop="keep", min_level="silver")
    with in_tenant("bj"):
        member.refresh_from_db()
        silver_member.refresh_from_db()
        assert (member.status, silver_member.status) == ("active", "active")
        assert "keep members below the entry rules" in _last_history_reason(member)
    relay("bj")
    assert _hq_row(member).status == "active"


def test_a_province_acts_on_its_own_members_only():
    """R11.1, DESIGN.md §4: a level change in Beijing touches Beijing's memberships only;
    a publication is applied by each province to its own members."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member("bj")
    sh_org, sh_customer, sh_member = _member("sh")
    with in_tenant("sh"):
        sh_outbox = OutboxMessage.objects.count()
    with in_tenant("bj"):
        _set_level(org, customer, "standard")
        # Customer ids are per province: Shanghai's id means nothing (or another customer)
        # here, and Shanghai's memberships are not reachable from Beijing's schema.
        services.apply_level_policy([sh_customer.pk, customer.pk])
        assert ClubMembership.objects.get(pk=member.pk).status == "suspended"
    with in_tenant("sh"):
        assert ClubMembership.objects.get(pk=sh_member.pk).status == "active"
        assert OutboxMessage.objects.count() == sh_outbox
        _set_level(sh_org, sh_customer, "standard")
        assert ClubMembership.objects.get(pk=sh_member.pk).status == "suspended"
    relay("bj", "sh")
    with in_tenant("hq"):
        rows = ClubMember.objects.filter(
            card_number__in=[member.card_number, sh_member.card_number]
        )
        assert {(r.home_province, r.status) for r in rows} == {
            ("bj", "suspended"),
            ("sh", "suspended"),
        }


def test_rules_payload_without_the_new_fields_still_validates_and_means_keep():
    """R11.1: ``level_drop`` and ``tier_follows_level`` came after version 1 of the
    ``club.rules`` schema, with defaults: an older payload validates (as DRF and as the
    fast checks), reaches a province through the inbox and means what it did before
    (keep, tier unchanged); a version stored before them reads the same."""
    define_and_publish_club(level_drop="suspend")
    org, customer, member = _member()
    with in_tenant("hq"):
        from hq.club.services import rules_content

        old = rules_content(2)
        del old["level_drop"], old["tier_follows_level"]
        validated = validate_payload(get_topic("club.rules"), old)
        assert (validated["level_drop"], validated["tier_follows_level"]) == ("keep", False)
        # As an older HQ would have sent it: the outbox row holds the payload as it was.
        OutboxMessage.objects.create(
            topic="club.rules",
            key="club",
            destination="bj",
            schema_version=get_topic("club.rules").version,
            payload=old,
        )
    relay("hq")
    with in_tenant("bj"):
        rules = selectors.current_rules()
        assert rules.version == 2 and "level_drop" not in rules.content
        assert (rules.level_drop, rules.tier_follows_level) == ("keep", False)
        _set_level(org, customer, "standard")
        assert ClubMembership.objects.get(pk=member.pk).status == "active"
        stored = ClubRules(version=99, content=old, published_at=old["published_at"])
        assert (stored.level_drop, stored.tier_follows_level) == ("keep", False)
