"""The club in a province (R11.1): rules from HQ, eligibility, enrolment numbering,
allowances, activities, status changes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from province.club import selectors, services
from province.club.models import BenefitUsage, ClubMembership
from shared.errors import Conflict
from sync.models import OutboxMessage
from tests.club_scenario import define_and_publish_club, make_member_candidate, put_in_arrears
from tests.factories import make_customer, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(bj):
    define_and_publish_club(allowance=3)
    return make_org()


def test_rules_reach_every_province(club):
    """R11.1: HQ's published rules are stored in each province."""
    from tests.conftest import in_tenant

    rules = selectors.current_rules()
    assert rules.version == 1
    assert [t["code"] for t in rules.tiers] == ["diamond", "platinum", "gold"]
    with in_tenant("sh"):
        assert selectors.current_rules().version == 1


def test_eligibility_by_level_tenure_arrears_and_membership(club):
    """R11.1: eligible = level ≥ minimum, tenure, active, no overdue bill, not a member."""
    m = club.manager_a
    ok = make_member_candidate(m)
    make_member_candidate(m, level="standard")  # level too low
    make_member_candidate(m, joined_on=date.today())  # too new
    late = make_member_candidate(m)
    put_in_arrears(late)
    member = make_member_candidate(m)
    services.enrol([member], actor=club.admin.user)
    rules = selectors.current_rules()
    assert list(selectors.eligible_customers(rules).values_list("pk", flat=True)) == [ok.pk]


def test_enrolment_numbers_cards_by_province_code_and_publishes(club):
    """R11.1: card number = province code + sequence; each enrolment tells HQ."""
    customers = [make_member_candidate(club.manager_a, level=lvl) for lvl in ("silver", "diamond")]
    made = services.enrol(customers, actor=club.admin.user)
    numbers = [m.card_number for m in made]
    assert all(n.startswith("11") and len(n) == 10 for n in numbers)
    assert int(numbers[1][2:]) == int(numbers[0][2:]) + 1
    assert [m.tier for m in made] == ["gold", "diamond"]
    outbox = OutboxMessage.objects.filter(topic="club.member").order_by("id")
    assert [(o.key, o.destination) for o in outbox] == [(n, "hq") for n in numbers]
    payload = outbox[0].payload
    assert payload["name_masked"].endswith("*") and "phone_key" in payload
    assert payload["phone_masked"] == "139****9000"


def test_enrolling_an_ineligible_customer_writes_nothing(club):
    ok = make_member_candidate(club.manager_a)
    low = make_member_candidate(club.manager_a, level="standard")
    with pytest.raises(ValidationError) as error:
        services.enrol([ok, low], actor=club.admin.user)
    assert low.number in str(error.value)
    assert not ClubMembership.objects.exists()
    assert not OutboxMessage.objects.filter(topic="club.member").exists()


def test_manager_cannot_enrol_another_managers_customer(club):
    other = make_member_candidate(club.manager_b)
    with pytest.raises(ValidationError):
        services.enrol([other], actor=club.manager_a.user)


def test_usage_beyond_the_yearly_allowance_is_refused_and_writes_nothing(club):
    """R11.1: allowance per member and year; beyond it a 409 and nothing written."""
    (member,) = services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    services.record_usage(member, "lounge", 2, actor=club.admin.user, used_on=date(2025, 3, 1))
    before = OutboxMessage.objects.count()
    with pytest.raises(Conflict) as refused:
        services.record_usage(member, "lounge", 2, actor=club.admin.user, used_on=date(2025, 4, 1))
    assert refused.value.code == "allowance_exhausted"
    assert BenefitUsage.objects.count() == 1 and OutboxMessage.objects.count() == before
    # A new year brings a new allowance.
    services.record_usage(member, "lounge", 3, actor=club.admin.user, used_on=date(2026, 1, 2))


def test_usage_publishes_the_month_total(club):
    (member,) = services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    for day in (1, 2):
        services.record_usage(member, "lounge", 1, actor=None, used_on=date(2025, 3, day))
    last = OutboxMessage.objects.filter(topic="club.usage").order_by("-id").first()
    assert last.key == f"{member.card_number}:lounge:2025-03"
    assert last.payload["quantity"] == 2


def test_suspended_member_cannot_use_benefits_and_status_is_published(club):
    (member,) = services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    services.change_status(member, "suspend", actor=club.admin.user)
    with pytest.raises(Conflict):
        services.record_usage(member, "lounge", 1, actor=None)
    statuses = [o.payload["status"] for o in OutboxMessage.objects.filter(topic="club.member")]
    assert statuses == ["active", "suspended"]
    services.change_status(member, "reinstate", actor=None)
    with pytest.raises(Conflict):
        services.change_status(member, "reinstate", actor=None)  # already active


def test_activity_with_attendees(club):
    (member,) = services.enrol([make_member_candidate(club.manager_a)], actor=club.admin.user)
    activity = services.record_activity(
        actor=club.admin.user, name="Salon", held_on=date(2025, 5, 1), attendees=[member]
    )
    assert list(activity.attendees.all()) == [member]
    services.change_status(member, "end", actor=None)
    with pytest.raises(ValidationError):
        services.record_activity(
            actor=None, name="Later", held_on=date(2025, 6, 1), attendees=[member]
        )


def test_no_rules_yet_is_a_conflict(bj):
    org = make_org()
    customer = make_customer(org.manager_a, level="gold")
    with pytest.raises(Conflict):
        services.enrol([customer], actor=org.admin.user)


def test_national_levels_match_the_province_levels():
    from province.customers.choices import CustomerLevel
    from shared.vocab.customer_levels import LEVEL_ORDER

    assert tuple(CustomerLevel.values) == LEVEL_ORDER
