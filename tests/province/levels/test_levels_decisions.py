"""Approve/reject proposals, manual override, the annual review and membership cards (R2.2)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from province.customers.models import Customer
from province.levels import services
from province.levels.choices import CardStatus, ChangeSource, ProposalStatus
from province.levels.models import LevelChange, MembershipCard
from province.levels.selectors import add_months, annual_review
from shared.errors import Conflict
from tests.factories import make_org
from tests.province.levels.levels_helpers import (
    AS_OF,
    customer_paying,
    proposals_by_customer,
    regrade,
    set_level,
)


@pytest.fixture
def org(bj):
    return make_org()


# --- approve / reject --------------------------------------------------------------------


def test_r2_2_approval_changes_level_and_writes_history(org):
    customer = customer_paying(org.manager_a, 320)
    proposal = proposals_by_customer(regrade())[customer.pk]
    actor = org.supervisor_a.user
    services.approve_proposal(proposal, actor=actor, reason="Checked the bills")

    customer.refresh_from_db()
    proposal.refresh_from_db()
    assert customer.level == "gold"
    assert (proposal.status, proposal.decided_by, proposal.reason) == (
        ProposalStatus.APPROVED,
        actor,
        "Checked the bills",
    )
    change = LevelChange.objects.get(customer=customer)
    assert (change.from_level, change.to_level, change.source, change.proposal) == (
        "standard",
        "gold",
        ChangeSource.PROPOSAL,
        proposal,
    )
    assert change.actor == actor
    assert change.valid_until == add_months(timezone.localdate(change.at), 12)
    record = customer.history.order_by("-history_id").first()
    assert (record.level, record.history_user, record.history_change_reason) == (
        "gold",
        actor,
        "Checked the bills",
    )


def test_r2_2_bulk_approval_is_all_or_nothing(org):
    first = customer_paying(org.manager_a, 320)
    second = customer_paying(org.manager_b, 500)
    proposals = proposals_by_customer(regrade())
    # The manager of team A may not decide team B's proposal: nothing changes.
    with pytest.raises(ValidationError):
        services.decide_proposals(
            [proposals[first.pk].pk, proposals[second.pk].pk],
            actor=org.supervisor_a.user,
            approve=True,
        )
    assert Customer.objects.get(pk=first.pk).level == "standard"
    services.decide_proposals(
        [proposals[first.pk].pk, proposals[second.pk].pk], actor=org.admin.user, approve=True
    )
    levels = dict(Customer.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "level"))
    assert levels == {first.pk: "gold", second.pk: "diamond"}
    assert LevelChange.objects.filter(source="proposal").count() == 2


def test_r2_2_rejection_needs_a_reason_and_keeps_the_level(org):
    customer = customer_paying(org.manager_a, 320)
    proposal = proposals_by_customer(regrade())[customer.pk]
    with pytest.raises(ValidationError) as error:
        services.reject_proposal(proposal, actor=org.admin.user, reason="  ")
    assert "reason" in error.value.message_dict
    services.reject_proposal(proposal, actor=org.admin.user, reason="Bills disputed")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert Customer.objects.get(pk=customer.pk).level == "standard"
    assert not LevelChange.objects.filter(customer=customer).exists()


def test_r2_2_a_decided_proposal_cannot_be_decided_again(org):
    customer = customer_paying(org.manager_a, 320)
    proposal = proposals_by_customer(regrade())[customer.pk]
    services.approve_proposal(proposal, actor=org.admin.user)
    with pytest.raises(Conflict):
        services.reject_proposal(proposal, actor=org.admin.user, reason="Too late")


def test_r2_2_approval_after_the_level_changed_is_a_conflict(org):
    customer = customer_paying(org.manager_a, 320)
    proposal = proposals_by_customer(regrade())[customer.pk]
    services.override_level(customer, "silver", actor=org.admin.user, reason="Contract terms")
    with pytest.raises(Conflict) as error:
        services.approve_proposal(proposal, actor=org.admin.user)
    assert error.value.code == "level_changed"
    assert Customer.objects.get(pk=customer.pk).level == "silver"


# --- override ----------------------------------------------------------------------------


def test_r2_2_override_requires_a_reason(org):
    customer = customer_paying(org.manager_a, 100)
    with pytest.raises(ValidationError) as error:
        services.override_level(customer, "gold", actor=org.admin.user, reason="")
    assert "reason" in error.value.message_dict
    assert Customer.objects.get(pk=customer.pk).level == "standard"


def test_r2_2_override_sets_level_with_history(org):
    customer = customer_paying(org.manager_a, 100)
    change = services.override_level(
        customer, "diamond", actor=org.admin.user, reason="Strategic contract signed"
    )
    assert Customer.objects.get(pk=customer.pk).level == "diamond"
    assert (change.source, change.from_level, change.to_level, change.reason) == (
        "override",
        "standard",
        "diamond",
        "Strategic contract signed",
    )
    assert customer.history.latest().history_change_reason == "Strategic contract signed"
    with pytest.raises(ValidationError):
        services.override_level(customer, "diamond", actor=org.admin.user, reason="Again")


# --- annual review -----------------------------------------------------------------------


def test_r2_2_annual_review_lists_members_who_no_longer_qualify(org):
    fallen = set_level(customer_paying(org.manager_a, 100), "gold")  # qualifies for standard
    slipped = set_level(customer_paying(org.manager_a, 200), "diamond")  # qualifies for silver
    still = set_level(customer_paying(org.manager_a, 320), "gold")
    card_only = customer_paying(org.manager_a, 50)  # standard level but holds a card
    set_level(card_only, "silver")
    services.issue_card(services.apply_card(card_only, actor=None), actor=None)
    set_level(card_only, "standard")
    churned = set_level(customer_paying(org.manager_a, 0, status="churned"), "gold")
    non_member = customer_paying(org.manager_a, 0)

    rows = {row.customer_id: row for row in annual_review(org.admin.user, as_of=AS_OF)}
    assert set(rows) == {fallen.pk, slipped.pk, card_only.pk}
    assert still.pk not in rows and churned.pk not in rows and non_member.pk not in rows
    assert (rows[fallen.pk].qualifying_level, str(rows[fallen.pk].avg_monthly_paid)) == (
        "standard",
        "100.00",
    )
    assert rows[slipped.pk].qualifying_level == "silver"
    assert rows[card_only.pk].card_number.startswith("VIP")


def test_r2_2_annual_review_is_limited_to_visible_customers(org):
    mine = set_level(customer_paying(org.manager_a, 100), "gold")
    set_level(customer_paying(org.manager_b, 100), "gold")
    rows = annual_review(org.manager_a.user, as_of=AS_OF)
    assert [row.customer_id for row in rows] == [mine.pk]


def test_r2_2_applying_the_annual_review_moves_members_down(org):
    slipped = set_level(customer_paying(org.manager_a, 200), "diamond")
    (change,) = services.apply_annual_review([slipped.pk], actor=org.admin.user, as_of=AS_OF)
    assert (change.source, change.to_level) == (ChangeSource.ANNUAL_REVIEW, "silver")
    assert Customer.objects.get(pk=slipped.pk).level == "silver"


# --- membership cards --------------------------------------------------------------------


@pytest.fixture
def member(org):
    return set_level(customer_paying(org.manager_a, 320), "gold")


def test_r2_2_card_application_needs_a_member(org):
    with pytest.raises(ValidationError):
        services.apply_card(customer_paying(org.manager_a, 0), actor=org.admin.user)


def test_r2_2_card_life_cycle(org, member):
    actor = org.admin.user
    card = services.apply_card(member, actor=actor)
    assert (card.status, card.number, card.level) == (CardStatus.APPLIED, None, "gold")

    card = services.issue_card(card, actor=actor)
    assert card.status == CardStatus.ISSUED
    assert len(card.number) == 13 and card.number.startswith("VIP") and card.number[3:].isdigit()
    assert card.valid_until == add_months(timezone.localdate(card.issued_at), 12)

    card = services.report_lost(card, actor=actor)
    assert card.status == CardStatus.LOST
    card = services.unblock_card(card, actor=actor)
    assert card.status == CardStatus.ISSUED

    new = services.reissue_card(card, actor=actor)
    card.refresh_from_db()
    assert (card.status, card.replaced_by) == (CardStatus.CANCELLED, new)
    assert new.status == CardStatus.ISSUED and new.number != card.number
    assert new.valid_until == card.valid_until  # a replacement does not extend membership

    new = services.cancel_card(new, actor=actor, reason="Customer left the club")
    assert new.status == CardStatus.CANCELLED
    assert new.history.latest().history_change_reason == "Customer left the club"
    # A fresh application is possible once nothing is live.
    assert services.apply_card(member, actor=actor).status == CardStatus.APPLIED


INVALID = [
    ("applied", "report_lost"),
    ("applied", "unblock"),
    ("applied", "reissue"),
    ("issued", "issue"),
    ("issued", "unblock"),
    ("lost", "issue"),
    ("lost", "report_lost"),
    ("cancelled", "issue"),
    ("cancelled", "report_lost"),
    ("cancelled", "unblock"),
    ("cancelled", "reissue"),
    ("cancelled", "cancel"),
]


def _card_in(status, member, actor):
    card = services.apply_card(member, actor=actor)
    if status in ("issued", "lost"):
        card = services.issue_card(card, actor=actor)
    if status == "lost":
        card = services.report_lost(card, actor=actor)
    if status == "cancelled":
        card = services.cancel_card(card, actor=actor)
    return card


@pytest.mark.parametrize(("status", "transition"), INVALID)
def test_r2_2_invalid_card_transitions_are_conflicts(org, member, status, transition):
    card = _card_in(status, member, org.admin.user)
    with pytest.raises(Conflict) as error:
        services.CARD_TRANSITIONS[transition](card, actor=org.admin.user)
    assert error.value.code == "invalid_transition"
    assert MembershipCard.objects.get(pk=card.pk).status == status


@pytest.mark.parametrize("status", ["applied", "issued", "lost"])
def test_r2_2_one_live_card_per_customer(org, member, status):
    _card_in(status, member, org.admin.user)
    with pytest.raises(Conflict) as error:
        services.apply_card(member, actor=org.admin.user)
    assert error.value.code == "card_exists"
    # The database refuses a second live card even past the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipCard.objects.create(customer=member, level="gold", number="VIP9999999999")


def test_r2_2_cards_in_different_statuses_carry_distinct_numbers(org, member):
    actor = org.admin.user
    first = services.issue_card(services.apply_card(member, actor=actor), actor=actor)
    other = set_level(customer_paying(org.manager_a, 320, joined_on=date(2021, 1, 1)), "gold")
    second = services.issue_card(services.apply_card(other, actor=actor), actor=actor)
    assert int(second.number[3:]) > int(first.number[3:])
