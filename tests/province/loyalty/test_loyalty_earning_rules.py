"""Every earning rule applied by the accrual run (R2.4.2, R2.4.6): product rates, tenure,
campaign and on-time bonuses, late-payment penalties, precedence, idempotency, resume.

Expectations are computed by hand in the comments. The default national base rule (1 point
per yuan, migration 0002) is in force throughout; the invariant is checked after each test.
"""

from datetime import date
from decimal import Decimal

import pytest

from province.customers.models import BillLine, Customer
from province.loyalty import services
from province.loyalty.choices import EntryKind, RuleCondition, RuleKind, RuleScope, RunStatus
from province.loyalty.models import (
    EarningRule,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsLot,
)
from tests.factories import make_account, make_bill, make_customer, make_org, make_product

PERIOD = date(2025, 3, 1)  # due 2025-04-15; make_bill pays on 2025-04-10 by default
LATE = date(2025, 4, 20)


def rule(kind, *, scope=RuleScope.PROVINCIAL, valid_from=date(2020, 1, 1), **fields):
    return EarningRule.objects.create(
        name=fields.pop("name", f"{kind} {fields.get('condition', '')}"),
        scope=scope,
        kind=kind,
        valid_from=valid_from,
        **fields,
    )


def accrue(chunk_size=50_000, on_progress=None):
    run = services.start_accrual(PERIOD)
    return services.execute_accrual(run.pk, chunk_size=chunk_size, on_progress=on_progress)


def balance(customer) -> int:
    return PointsAccount.objects.get(customer=customer).balance


def entry(key) -> PointsEntry:
    return PointsEntry.objects.get(idempotency_key=key)


def bill_with_lines(customer, amount, lines, **kwargs):
    bill = make_bill(make_account(customer), PERIOD, amount, **kwargs)
    for product, line_amount in lines:
        BillLine.objects.create(bill=bill, product=product, amount_due=Decimal(line_amount))
    return bill


@pytest.fixture
def manager(bj):
    return make_org().manager_a


def test_r2_4_2_product_lines_earn_their_rules_rate_and_the_multiplier_still_applies(manager):
    fibre, voice, cloud = make_product(), make_product(), make_product()
    rule(RuleKind.PRODUCT, scope=RuleScope.NATIONAL, product=fibre, points_per_yuan=2)
    rule(RuleKind.PRODUCT, product=fibre, points_per_yuan=3)  # provincial: overrides
    rule(RuleKind.PRODUCT, product=cloud, points_per_yuan=0)  # cloud earns nothing
    rule(RuleKind.LEVEL_MULTIPLIER, level="gold", multiplier=Decimal("1.5"))
    standard = make_customer(manager)
    gold = make_customer(manager, level="gold")
    plain = make_customer(manager)
    a = bill_with_lines(standard, "1000.00", [(fibre, "200.00"), (voice, "800.00")])
    b = bill_with_lines(gold, "500.50", [(fibre, "100.50"), (cloud, "100.00")])
    c = bill_with_lines(plain, "99.99", [])
    run = accrue()
    assert run.status == RunStatus.DONE, run.error
    # a: 1000 × 1 + 200 × (3 − 1) = 1400
    # b: (500.50 + 100.50 × 2 + 100 × (0 − 1)) × 1.5 = 601.50 × 1.5 = 902.25 → 902
    # c: no lines, base rate: 99
    assert entry(f"bill:{a.pk}:earn").points == 1400
    assert entry(f"bill:{b.pk}:earn").points == 902
    assert entry(f"bill:{c.pk}:earn").points == 99
    assert (balance(standard), balance(gold), balance(plain)) == (1400, 902, 99)
    assert run.points_created == 1400 + 902 + 99


def test_r2_4_2_tenure_bonus_counts_years_to_the_end_of_the_billing_month(manager):
    tenure = rule(
        RuleKind.BONUS,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="3",
        bonus_points=50,
        points_per_yuan=Decimal("0.1"),
    )
    loyal = make_customer(manager)
    newer = make_customer(manager)
    # three years before 2025-03-31 is 2022-03-31
    Customer.objects.filter(pk=loyal.pk).update(joined_on=date(2022, 3, 31))
    Customer.objects.filter(pk=newer.pk).update(joined_on=date(2022, 4, 1))
    a = make_bill(make_account(loyal), PERIOD, "1234.56", paid_on=LATE)
    make_bill(make_account(newer), PERIOD, "1234.56", paid_on=LATE)
    accrue()
    bonus = entry(f"bill:{a.pk}:rule:{tenure.pk}")
    # 50 + floor(1234.56 × 0.1) = 50 + 123 = 173
    assert (bonus.kind, bonus.points, bonus.rule_id) == (EntryKind.BONUS, 173, tenure.pk)
    assert PointsLot.objects.get(entry=bonus).remaining == 173
    assert balance(loyal) == 1234 + 173
    assert balance(newer) == 1234


def test_r2_4_2_campaigns_apply_in_their_period_and_to_their_level_and_product(manager):
    fibre = make_product()
    spring = rule(
        RuleKind.BONUS,
        condition=RuleCondition.CAMPAIGN,
        parameter="SPRING",
        bonus_points=100,
        valid_from=date(2025, 3, 1),
        valid_to=date(2025, 3, 31),
    )
    gold_only = rule(
        RuleKind.BONUS,
        condition=RuleCondition.CAMPAIGN,
        parameter="GOLD",
        level="gold",
        bonus_points=7,
    )
    fibre_double = rule(
        RuleKind.BONUS,
        condition=RuleCondition.CAMPAIGN,
        parameter="FIBRE",
        product=fibre,
        points_per_yuan=1,
    )
    rule(  # April only: not in force for March
        RuleKind.BONUS,
        condition=RuleCondition.CAMPAIGN,
        parameter="APRIL",
        bonus_points=999,
        valid_from=date(2025, 4, 1),
    )
    standard = make_customer(manager)
    gold = make_customer(manager, level="gold")
    a = bill_with_lines(standard, "300.00", [(fibre, "120.40")])
    b = bill_with_lines(gold, "200.00", [])
    accrue()
    keys = set(
        PointsEntry.objects.filter(kind=EntryKind.BONUS).values_list("idempotency_key", "points")
    )
    assert keys == {
        (f"bill:{a.pk}:rule:{spring.pk}", 100),
        (f"bill:{a.pk}:rule:{fibre_double.pk}", 120),  # floor(120.40 × 1): the fibre line only
        (f"bill:{b.pk}:rule:{spring.pk}", 100),
        (f"bill:{b.pk}:rule:{gold_only.pk}", 7),
    }
    assert balance(standard) == 300 + 100 + 120
    assert balance(gold) == 200 + 100 + 7


def test_r2_4_2_late_payment_penalty_is_deducted_from_the_earn_lot_capped_at_it(manager):
    penalty = rule(
        RuleKind.PENALTY,
        condition=RuleCondition.PAID_LATE,
        bonus_points=100,
        points_per_yuan=Decimal("0.5"),
    )
    on_time = rule(RuleKind.BONUS, condition=RuleCondition.PAID_ON_TIME, bonus_points=10)
    late = make_customer(manager)
    very = make_customer(manager)
    punctual = make_customer(manager)
    a = make_bill(make_account(late), PERIOD, "1000.00", paid_on=LATE)
    b = make_bill(make_account(very), PERIOD, "100.00", paid_on=LATE)
    c = make_bill(make_account(punctual), PERIOD, "100.00")
    run = accrue()
    # a: earn 1000, penalty 100 + floor(1000 × 0.5) = 600 → 400 left
    earn_a = entry(f"bill:{a.pk}:earn")
    pen_a = entry(f"bill:{a.pk}:rule:{penalty.pk}")
    assert (pen_a.kind, pen_a.points, pen_a.rule_id) == (EntryKind.PENALTY, -600, penalty.pk)
    lot_a = PointsLot.objects.get(entry=earn_a)
    assert (lot_a.points, lot_a.remaining) == (1000, 400)
    assert list(PointsAllocation.objects.filter(entry=pen_a).values_list("lot_id", "points")) == [
        (lot_a.pk, 600)
    ]
    # b: earn 100, penalty 100 + 50 = 150 capped at 100 → nothing left
    assert entry(f"bill:{b.pk}:rule:{penalty.pk}").points == -100
    assert PointsLot.objects.get(entry=entry(f"bill:{b.pk}:earn")).remaining == 0
    # c: on time: +10, no penalty
    assert entry(f"bill:{c.pk}:ontime").rule_id == on_time.pk
    assert not PointsEntry.objects.filter(idempotency_key=f"bill:{c.pk}:rule:{penalty.pk}").exists()
    assert (balance(late), balance(very), balance(punctual)) == (400, 0, 110)
    assert run.entries_created == 6  # three earns, two penalties, one bonus
    assert run.points_created == 400 + 0 + 110


def test_r2_4_2_provincial_rule_overrides_the_national_one_of_its_slot(bj):
    national = rule(
        RuleKind.BONUS,
        scope=RuleScope.NATIONAL,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="1",
        bonus_points=5,
        valid_from=date(2025, 1, 1),
    )
    older = rule(
        RuleKind.BONUS,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="2",
        bonus_points=10,
        valid_from=date(2020, 1, 1),
    )
    newer = rule(
        RuleKind.BONUS,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="3",
        bonus_points=20,
        valid_from=date(2024, 1, 1),
    )
    rule(  # ended before March: not in force
        RuleKind.BONUS,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="4",
        bonus_points=40,
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 2, 28),
    )
    rule(  # inactive
        RuleKind.BONUS,
        condition=RuleCondition.TENURE_YEARS_AT_LEAST,
        parameter="5",
        bonus_points=50,
        valid_from=date(2025, 1, 1),
        is_active=False,
    )
    camp_national = rule(
        RuleKind.BONUS, scope=RuleScope.NATIONAL, condition=RuleCondition.CAMPAIGN, parameter="A"
    )
    camp_b = rule(
        RuleKind.BONUS, scope=RuleScope.NATIONAL, condition=RuleCondition.CAMPAIGN, parameter="B"
    )
    camp_a = rule(RuleKind.BONUS, condition=RuleCondition.CAMPAIGN, parameter="A")
    rules = services.rules_for(PERIOD)
    tenure = [r for r in rules.bonuses if r.condition == RuleCondition.TENURE_YEARS_AT_LEAST]
    assert tenure == [newer]  # provincial beats national; then the latest valid_from
    assert {national.pk, older.pk}.isdisjoint(r.pk for r in rules.bonuses)
    campaigns = {r.parameter: r for r in rules.bonuses if r.condition == RuleCondition.CAMPAIGN}
    assert campaigns == {"A": camp_a, "B": camp_b}  # one slot per campaign code
    assert camp_national not in rules.bonuses


def _scenario(manager):
    fibre = make_product()
    rule(RuleKind.PRODUCT, product=fibre, points_per_yuan=2)
    rule(RuleKind.PENALTY, condition=RuleCondition.PAID_LATE, bonus_points=10)
    rule(RuleKind.BONUS, condition=RuleCondition.PAID_ON_TIME, bonus_points=5)
    rule(RuleKind.BONUS, condition=RuleCondition.CAMPAIGN, parameter="X", bonus_points=3)
    customers = [make_customer(manager) for _ in range(2)]
    for i in range(5):
        bill_with_lines(
            customers[i % 2],
            f"{100 + i}.00",
            [(fibre, "50.00")],
            paid_on=LATE if i % 2 else None,
        )
    return customers


# per bill i: earn 100 + i + 50 (fibre at 2/yuan); campaign +3; on time (even i) +5, late
# (odd i) −10: Σ = Σ(150 + i) + 5 × 3 + 3 × 5 − 2 × 10 = 760 + 15 + 15 − 20 = 770
EXPECTED_TOTAL = 770


def test_r2_4_6_rerun_with_every_rule_is_idempotent_and_a_new_rule_posts_once(manager):
    customers = _scenario(manager)
    first = accrue()
    assert first.entries_created == 5 + 5 + 3 + 2
    assert sum(balance(c) for c in customers) == EXPECTED_TOTAL == first.points_created
    before = list(PointsEntry.objects.values_list("id", "points"))
    again = accrue()
    assert (again.entries_created, again.points_created) == (0, 0)
    assert list(PointsEntry.objects.values_list("id", "points")) == before
    # A bonus added afterwards is posted on a re-run, once; a penalty added afterwards is
    # not (it would cut into lots that may have been spent).
    extra = rule(RuleKind.BONUS, condition=RuleCondition.CAMPAIGN, parameter="Y", bonus_points=1)
    rule(RuleKind.PENALTY, condition=RuleCondition.PAID_LATE, bonus_points=99)
    third = accrue()
    assert (third.entries_created, third.points_created) == (5, 5)
    assert PointsEntry.objects.filter(rule=extra).count() == 5
    assert accrue().entries_created == 0


def test_r2_4_6_a_run_with_every_rule_resumes_after_its_last_chunk(manager):
    customers = _scenario(manager)

    def crash(run):
        raise RuntimeError("worker lost")

    failed = accrue(chunk_size=2, on_progress=crash)
    assert failed.status == RunStatus.FAILED and failed.done == 2
    run = services.execute_accrual(services.resume_run(failed).pk, chunk_size=2)
    assert run.status == RunStatus.DONE, run.error
    assert run.done == 5 and run.entries_created == 15
    assert sum(balance(c) for c in customers) == EXPECTED_TOTAL
    assert PointsEntry.objects.filter(kind=EntryKind.PENALTY).count() == 2
