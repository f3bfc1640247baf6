"""The credit formula and the set-based assessment run (R2.3.1), with hand-computed values.

See docs/credit.md for the formula. All cases are assessed as of 2026-01-20 (helpers.py).
"""

from datetime import date
from decimal import Decimal

import pytest

from province.credit import services
from province.credit.assessment import window_for
from province.credit.choices import ChangeSource
from province.credit.models import CreditAssessment, CreditChange
from province.customers.models import Customer
from tests.factories import make_account, make_bill, make_customer, make_org
from tests.province.credit.helpers import AS_OF, customer_with_bills


@pytest.fixture
def org(bj):
    return make_org()


def _assessment(customer) -> CreditAssessment:
    return CreditAssessment.objects.filter(customer=customer).latest("computed_at")


def test_r2_3_1_window_is_the_twelve_months_before_the_month_of_the_run():
    assert window_for(date(2026, 1, 20)) == (date(2025, 1, 1), date(2026, 1, 1))
    assert window_for(date(2026, 3, 1)) == (date(2025, 3, 1), date(2026, 3, 1))


def test_r2_3_1_punctual_gold_customer_of_six_years_is_grade_a(org):
    # 50 × 12/12 + 20 × (1 − 0/1000) + 15 × 6/10 + 10 (gold) = 50 + 20 + 9 + 10 = 89 → A;
    # limit = 1000 × 3.0 = 3000.
    customer = customer_with_bills(org.manager_a, joined_on=date(2019, 6, 1), level="gold")
    result = services.assess_credit(as_of=AS_OF)
    assert result.assessed >= 1
    row = _assessment(customer)
    assert row.bills_due == 12 and row.bills_on_time == 12
    assert row.on_time_ratio == Decimal("1.0000")
    assert row.arrears == Decimal("0.00")
    assert row.tenure_years == 6
    assert row.avg_monthly_bill == Decimal("1000.00")
    assert row.score == Decimal("89.00")
    assert (row.grade, row.credit_limit) == ("A", Decimal("3000.00"))
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("A", Decimal("3000.00"))


def test_r2_3_1_late_payments_lower_the_grade(org):
    # 3 of 12 bills paid after the due date; standard level; joined 2023-03-01 → 2 full years.
    # 50 × 9/12 + 20 + 15 × 2/10 + 0 = 37.5 + 20 + 3 = 60.5 → C; limit 1000 × 1.0 = 1000.
    customer = customer_with_bills(org.manager_a, joined_on=date(2023, 3, 1), late=(2, 5, 9))
    services.assess_credit(as_of=AS_OF)
    row = _assessment(customer)
    assert (row.bills_on_time, row.bills_due, row.on_time_ratio) == (9, 12, Decimal("0.7500"))
    assert row.tenure_years == 2
    assert row.score == Decimal("60.50")
    assert (row.grade, row.credit_limit) == ("C", Decimal("1000.00"))


def test_r2_3_1_arrears_of_a_month_cost_all_arrears_points(org):
    # Bills of 2000; November and December unpaid → 10/12 on time, arrears 4000 = 2 months
    # of the 2000 average → 0 arrears points; 10 years' tenure → 15; silver → 5.
    # 50 × 10/12 + 0 + 15 + 5 = 41.6667 + 20 = 61.67 → C; limit 2000 × 1.0 = 2000.
    customer = customer_with_bills(
        org.manager_a, amount=2000, joined_on=date(2016, 1, 1), level="silver", unpaid=(11, 12)
    )
    services.assess_credit(as_of=AS_OF)
    row = _assessment(customer)
    assert row.arrears == Decimal("4000.00")
    assert row.avg_monthly_bill == Decimal("2000.00")
    assert row.score == Decimal("61.67")
    assert (row.grade, row.credit_limit) == ("C", Decimal("2000.00"))


def test_r2_3_1_partial_payment_is_partial_arrears(org):
    # December paid 400 of 1000 → 11/12 on time, arrears 600 of a 1000 average → 20 × 0.4 = 8;
    # joined 2010 → tenure capped at 10 → 15; diamond → 15.
    # 45.8333 + 8 + 15 + 15 = 83.83 → B; limit 1000 × 2.0 = 2000.
    customer = customer_with_bills(
        org.manager_a, joined_on=date(2010, 5, 5), level="diamond", paid={12: 400}
    )
    services.assess_credit(as_of=AS_OF)
    row = _assessment(customer)
    assert row.arrears == Decimal("600.00") and row.tenure_years == 10
    assert row.score == Decimal("83.83")
    assert (row.grade, row.credit_limit) == ("B", Decimal("2000.00"))


def test_r2_3_1_old_unpaid_bill_outside_the_window_still_counts_as_arrears(org):
    # Window: 12 × 500 on time → avg 500. A 2023 bill of 300 never paid → arrears 300.
    # 50 + 20 × (1 − 300/500) = 8 + tenure 15 × 6/10 = 9 + 0 = 67 → C; limit 500.
    customer = customer_with_bills(org.manager_a, amount=500)
    make_bill(make_account(customer), date(2023, 4, 1), 300, amount_paid=0)
    services.assess_credit(as_of=AS_OF)
    row = _assessment(customer)
    assert row.arrears == Decimal("300.00") and row.bills_due == 12
    assert row.score == Decimal("67.00")
    assert (row.grade, row.credit_limit) == ("C", Decimal("500.00"))


def test_r2_3_1_customer_without_bills_gets_a_grade_but_no_limit(org):
    # No bill due: ratio counts as 1 → 50; no billing and no arrears → 20; joined this
    # month → 0; standard → 0. 70 → B, but the limit is 0 × 2.0 = 0.
    customer = make_customer(org.manager_a, joined_on=date(2026, 1, 2))
    services.assess_credit(as_of=AS_OF)
    row = _assessment(customer)
    assert row.bills_due == 0 and row.score == Decimal("70.00")
    assert (row.grade, row.credit_limit) == ("B", Decimal("0.00"))


def test_r2_3_1_churned_and_merged_customers_are_not_assessed(org):
    churned = customer_with_bills(org.manager_a)
    Customer.objects.filter(pk=churned.pk).update(status="churned")
    services.assess_credit(as_of=AS_OF)
    assert not CreditAssessment.objects.filter(customer=churned).exists()


def test_r2_3_1_run_writes_changes_and_history_once(org):
    customer = customer_with_bills(org.manager_a, level="gold")
    history_before = customer.history.count()
    services.assess_credit(as_of=AS_OF)
    changes = list(CreditChange.objects.filter(customer=customer))
    assert len(changes) == 1
    change = changes[0]
    assert change.source == ChangeSource.ASSESSMENT
    assert (change.from_grade, change.from_limit) == ("", Decimal("0.00"))
    assert (change.to_grade, change.to_limit) == ("A", Decimal("3000.00"))
    assert change.assessment == _assessment(customer)
    # The customer's own history (simple-history) records the run too.
    assert customer.history.count() == history_before + 1
    latest = customer.history.latest()
    assert (latest.credit_grade, latest.credit_limit, latest.history_type) == (
        "A",
        Decimal("3000.00"),
        "~",
    )

    # Idempotent: a second run on the same data assesses again but changes nothing.
    services.assess_credit(as_of=AS_OF)
    assert CreditAssessment.objects.filter(customer=customer).count() == 2
    assert not _assessment(customer).applied
    assert CreditChange.objects.filter(customer=customer).count() == 1
    assert customer.history.count() == history_before + 1


def test_r2_3_1_new_arrears_downgrade_on_the_next_run(org):
    customer = customer_with_bills(org.manager_a, level="gold")
    services.assess_credit(as_of=AS_OF)
    # December's bill is reversed to unpaid: 11/12 on time → 45.83; arrears 1000 = one
    # average month → 0; 9 + 10 → 64.83 → C, limit 1000.
    bill = customer.bills.get(period=date(2025, 12, 1))
    bill.amount_paid, bill.paid_on, bill.status = 0, None, "open"
    bill.save()
    services.assess_credit(as_of=AS_OF)
    customer.refresh_from_db()
    assert (customer.credit_grade, customer.credit_limit) == ("C", Decimal("1000.00"))
    last = CreditChange.objects.filter(customer=customer).first()
    assert (last.from_grade, last.to_grade) == ("A", "C")
    assert (last.from_limit, last.to_limit) == (Decimal("3000.00"), Decimal("1000.00"))


def test_r2_3_1_assess_credit_command_prints_progress(org, capsys):
    from django.core.management import call_command

    customer_with_bills(org.manager_a, level="gold")
    call_command("assess_credit", province=["bj"], as_of="2026-01-20")
    out = capsys.readouterr().out
    assert "1/1 bj" in out and "assessed" in out
