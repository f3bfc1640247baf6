"""Manual credit change with approval (R2.3.1) and temporary credit / emergency
reconnection with their expiry (R2.3.2), through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from province.credit import services
from province.credit.choices import ChangeRequestStatus, ChangeSource, GrantStatus
from province.credit.models import CreditAssessment, CreditChange
from province.credit.selectors import effective_limit
from province.customers.models import Customer
from shared.errors import Conflict
from tests.factories import make_customer, make_org
from tests.province.credit.helpers import AS_OF, customer_with_bills, grant_credit_roles


@pytest.fixture
def org(bj):
    org = make_org()
    grant_credit_roles(org)
    return org


def _request(customer, actor, grade="B", limit="5000", **kwargs):
    return services.request_credit_change(
        customer,
        actor=actor,
        requested_grade=grade,
        requested_limit=limit,
        reason="Strategic account, pays by quarterly contract",
        **kwargs,
    )


def test_r2_3_1_approval_sets_credit_and_writes_history(org):
    customer = make_customer(org.manager_a)
    request = _request(customer, org.manager_a.user)
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("", Decimal("0.00"))

    services.approve_change_request(request, actor=org.supervisor_a.user, note="Agreed")
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    assert request.decided_by == org.supervisor_a.user and request.decided_at is not None
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("B", Decimal("5000.00"))
    assert customer.updated_by == org.supervisor_a.user
    latest = customer.history.latest()
    assert latest.history_user == org.supervisor_a.user and latest.credit_grade == "B"
    change = CreditChange.objects.get(customer=customer)
    assert change.source == ChangeSource.MANUAL and change.request == request
    assert (change.from_grade, change.to_grade) == ("", "B")
    assert (change.from_limit, change.to_limit) == (Decimal("0.00"), Decimal("5000.00"))
    assert change.actor == org.supervisor_a.user


def test_r2_3_1_requester_cannot_approve_own_request(org):
    customer = make_customer(org.manager_a)
    request = _request(customer, org.supervisor_a.user)
    with pytest.raises(Conflict) as exc:
        services.approve_change_request(request, actor=org.supervisor_a.user)
    assert exc.value.code == "own_request"
    customer.refresh_from_db()
    assert customer.credit_grade == ""


def test_r2_3_1_reader_and_manager_cannot_approve(org):
    customer = make_customer(org.manager_a)
    request = _request(customer, org.manager_a.user)
    for user in (org.auditor.user, org.manager_b.user):
        with pytest.raises(PermissionDenied):
            services.approve_change_request(request, actor=user)


def test_r2_3_1_supervisor_of_another_unit_cannot_approve(org):
    from tests.factories import make_staff

    customer = make_customer(org.manager_a)
    request = _request(customer, org.manager_a.user)
    supervisor_b = make_staff(org.city_b, ["supervisor"])
    with pytest.raises(PermissionDenied):
        services.approve_change_request(request, actor=supervisor_b.user)


def test_r2_3_1_one_pending_request_per_customer_and_decided_once(org):
    customer = make_customer(org.manager_a)
    request = _request(customer, org.manager_a.user)
    with pytest.raises(Conflict):
        _request(customer, org.manager_a.user, grade="A")
    services.reject_change_request(request, actor=org.admin.user, note="Not enough history")
    with pytest.raises(Conflict) as exc:
        services.approve_change_request(request, actor=org.supervisor_a.user)
    assert exc.value.code == "already_decided"
    customer.refresh_from_db()
    assert customer.credit_grade == ""
    assert not CreditChange.objects.filter(customer=customer).exists()
    _request(customer, org.manager_a.user, grade="A")  # a new one is allowed now


def test_r2_3_1_bad_request_input_is_a_field_error(org):
    customer = make_customer(org.manager_a)
    with pytest.raises(ValidationError) as exc:
        _request(customer, org.manager_a.user, grade="E")
    assert "requested_grade" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _request(customer, org.manager_a.user, limit="-1")
    assert "requested_limit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reject_change_request(
            _request(customer, org.manager_a.user), actor=org.admin.user, note=" "
        )
    assert "decision_note" in exc.value.message_dict


def test_r2_3_1_manual_override_survives_the_run_until_keep_until(org):
    customer = customer_with_bills(org.manager_a, level="gold")  # the formula says A / 3000
    request = _request(customer, org.manager_a.user, grade="C", limit="800")
    services.approve_change_request(request, actor=org.supervisor_a.user)
    services.assess_credit(as_of=AS_OF)
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("C", Decimal("800.00"))
    row = CreditAssessment.objects.get(customer=customer)
    assert (row.grade, row.applied) == ("A", False)
    assert CreditChange.objects.filter(customer=customer).count() == 1  # the manual one


def test_r2_3_1_override_with_keep_until_ends_on_that_day(org):
    customer = customer_with_bills(org.manager_a, level="gold")
    keep_until = timezone.localdate() + timedelta(days=10)
    request = _request(customer, org.manager_a.user, grade="C", limit="800", keep_until=keep_until)
    services.approve_change_request(request, actor=org.supervisor_a.user)
    services.assess_credit(as_of=keep_until + timedelta(days=1))
    customer.refresh_from_db()
    assert customer.credit_grade == "A"  # punctual gold of 7+ years: ≥ 90.5
    assert CreditChange.objects.filter(customer=customer, source="assessment").exists()


def test_r2_3_1_latest_approved_change_decides_whether_an_override_is_in_force(org):
    customer = customer_with_bills(org.manager_a, level="gold")  # the formula says A / 3000
    first = _request(customer, org.manager_a.user, grade="C", limit="800")  # open-ended
    services.approve_change_request(first, actor=org.supervisor_a.user)
    keep_until = timezone.localdate()
    second = _request(customer, org.manager_a.user, grade="B", limit="900", keep_until=keep_until)
    services.approve_change_request(second, actor=org.supervisor_a.user)
    services.assess_credit(as_of=keep_until)  # still in force on its last day
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("B", Decimal("900.00"))
    services.assess_credit(as_of=keep_until + timedelta(days=1))
    customer.refresh_from_db()
    # Whatever the window holds then, punctual gold of 7+ years scores ≥ 90.5: grade A.
    assert customer.credit_grade == "A"


# --- temporary credit and emergency reconnection (R2.3.2) ---------------------------------


def _gold(org, level="gold"):
    customer = make_customer(org.manager_a)
    Customer.objects.filter(pk=customer.pk).update(
        level=level, credit_grade="B", credit_limit=Decimal("2000")
    )
    customer.refresh_from_db()
    return customer


def test_r2_3_2_temporary_credit_refused_below_gold(org):
    customer = make_customer(org.manager_a)
    Customer.objects.filter(pk=customer.pk).update(level="silver")
    customer.refresh_from_db()
    today = timezone.localdate()
    with pytest.raises(Conflict) as exc:
        services.grant_temporary_credit(
            customer,
            actor=org.supervisor_a.user,
            extra_limit="1000",
            starts_on=today,
            expires_on=today,
            reason="Year-end",
        )
    assert exc.value.code == "level_too_low"
    with pytest.raises(Conflict):
        services.grant_emergency_reconnection(
            customer,
            actor=org.supervisor_a.user,
            expires_at=timezone.now() + timedelta(hours=24),
            reason="Hospital line",
        )


def test_r2_3_2_temporary_credit_raises_the_effective_limit_while_in_force(org):
    customer = _gold(org)
    today = timezone.localdate()
    services.grant_temporary_credit(
        customer,
        actor=org.supervisor_a.user,
        extra_limit="1500",
        starts_on=today,
        expires_on=today + timedelta(days=30),
        reason="Year-end traffic",
    )
    services.grant_temporary_credit(  # starts next week: not counted yet
        customer,
        actor=org.supervisor_a.user,
        extra_limit="700",
        starts_on=today + timedelta(days=7),
        expires_on=today + timedelta(days=30),
        reason="Conference",
    )
    assert effective_limit(customer) == Decimal("3500.00")
    assert effective_limit(customer, today + timedelta(days=8)) == Decimal("4200.00")
    changes = list(CreditChange.objects.filter(customer=customer, source=ChangeSource.TEMPORARY))
    assert [(c.from_limit, c.to_limit) for c in changes] == [
        (Decimal("2000.00"), Decimal("3500.00"))
    ]


def test_r2_3_2_temporary_credit_input_is_checked(org):
    customer = _gold(org, "diamond")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.grant_temporary_credit(
            customer,
            actor=org.admin.user,
            extra_limit="0",
            starts_on=today,
            expires_on=today,
            reason="x",
        )
    assert "extra_limit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.grant_temporary_credit(
            customer,
            actor=org.admin.user,
            extra_limit="10",
            starts_on=today,
            expires_on=today - timedelta(days=1),
            reason="x",
        )
    assert "expires_on" in exc.value.message_dict


def test_r2_3_2_expiry_run_ends_credits_and_reconnections(org):
    customer = _gold(org)
    other = _gold(org)
    today = timezone.localdate()
    ending = services.grant_temporary_credit(
        customer,
        actor=org.admin.user,
        extra_limit="1000",
        starts_on=today,
        expires_on=today,
        reason="One day",
    )
    lasting = services.grant_temporary_credit(
        customer,
        actor=org.admin.user,
        extra_limit="300",
        starts_on=today,
        expires_on=today + timedelta(days=5),
        reason="A week",
    )
    reconnection = services.grant_emergency_reconnection(
        other, actor=org.admin.user, expires_at=timezone.now() + timedelta(hours=2), reason="ICU"
    )
    with pytest.raises(Conflict):  # one active reconnection per customer
        services.grant_emergency_reconnection(
            other, actor=org.admin.user, expires_at=timezone.now() + timedelta(hours=3), reason="x"
        )

    # Nothing is due today.
    assert services.expire_grants() == {"temporary_credits": 0, "reconnections": 0}

    # Tomorrow plus three hours: the one-day credit and the reconnection have expired.
    later = timezone.now() + timedelta(days=1, hours=3)
    assert services.expire_grants(now=later) == {"temporary_credits": 1, "reconnections": 1}
    ending.refresh_from_db()
    lasting.refresh_from_db()
    reconnection.refresh_from_db()
    assert ending.status == GrantStatus.EXPIRED and lasting.status == GrantStatus.ACTIVE
    assert reconnection.status == GrantStatus.EXPIRED
    # Effective limit 2000 + 1000 + 300 → 2000 + 300, recorded once.
    expiry = CreditChange.objects.filter(customer=customer, source="temporary").first()
    assert (expiry.from_limit, expiry.to_limit) == (Decimal("3300.00"), Decimal("2300.00"))
    assert services.expire_grants(now=later) == {"temporary_credits": 0, "reconnections": 0}


def test_r2_3_2_revoking_twice_is_a_conflict(org):
    customer = _gold(org)
    today = timezone.localdate()
    credit = services.grant_temporary_credit(
        customer,
        actor=org.admin.user,
        extra_limit="100",
        starts_on=today,
        expires_on=today + timedelta(days=2),
        reason="x",
    )
    services.revoke_temporary_credit(credit, actor=org.admin.user)
    assert effective_limit(customer) == Decimal("2000.00")
    with pytest.raises(Conflict):
        services.revoke_temporary_credit(credit, actor=org.admin.user)


def test_r2_3_tasks_run_in_the_current_province(org):
    from province.credit.tasks import assess_credit_task, expire_credit_grants_task

    customer = customer_with_bills(org.manager_a, level="gold")
    result = assess_credit_task()  # today: the window moves, but the customer is assessed
    assert result["assessed"] >= 1 and result["changed"] >= 1
    assert CreditAssessment.objects.filter(customer=customer).count() == 1
    assert expire_credit_grants_task() == {"temporary_credits": 0, "reconnections": 0}


def test_r2_3_2_expire_command_prints_progress(org, capsys):
    from django.core.management import call_command

    customer = _gold(org)
    today = timezone.localdate()
    credit = services.grant_temporary_credit(
        customer,
        actor=org.admin.user,
        extra_limit="100",
        starts_on=today,
        expires_on=today,
        reason="x",
    )
    # Make it a day old: it ended yesterday.
    type(credit).objects.filter(pk=credit.pk).update(
        starts_on=today - timedelta(days=2), expires_on=today - timedelta(days=1)
    )
    call_command("expire_credit_grants", province=["bj"])
    assert "1/1 bj: 1 temporary credits" in capsys.readouterr().out
    credit.refresh_from_db()
    assert credit.status == GrantStatus.EXPIRED
