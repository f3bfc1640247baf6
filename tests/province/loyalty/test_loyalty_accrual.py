"""The accrual run (R2.4.6, R2.4.2): points from paid bills, idempotent, resumable."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from province.loyalty import services
from province.loyalty.choices import EntryKind, RuleCondition, RuleKind, RuleScope, RunStatus
from province.loyalty.models import EarningRule, PointsAccount, PointsEntry, PointsLot
from tests.factories import make_account, make_bill, make_customer, make_org

PERIOD = date(2025, 3, 1)  # due 2025-04-15; make_bill pays on 2025-04-10 by default


@pytest.fixture
def rules(bj):
    EarningRule.objects.create(
        name="Gold ×1.5",
        scope=RuleScope.NATIONAL,
        kind=RuleKind.LEVEL_MULTIPLIER,
        level="gold",
        multiplier=Decimal("1.5"),
        valid_from=date(2020, 1, 1),
    )
    EarningRule.objects.create(
        name="On time +10",
        scope=RuleScope.PROVINCIAL,
        kind=RuleKind.BONUS,
        condition=RuleCondition.PAID_ON_TIME,
        bonus_points=10,
        valid_from=date(2020, 1, 1),
    )


@pytest.fixture
def bills(bj, rules):
    org = make_org()
    standard = make_customer(org.manager_a)
    gold = make_customer(org.manager_a, level="gold")
    partial = make_customer(org.manager_b)
    unpaid = make_customer(org.manager_b)
    a = make_account(standard)
    make_bill(a, PERIOD, "1234.56")  # on time
    make_bill(a, date(2025, 2, 1), "999.00")  # another month
    late = make_bill(make_account(gold), PERIOD, "1000.50", paid_on=date(2025, 4, 18))
    make_bill(make_account(partial), PERIOD, "100.00", amount_paid="50.00")
    make_bill(make_account(unpaid), PERIOD, "100.00", amount_paid="0")
    return {"standard": standard, "gold": gold, "partial": partial, "late": late}


def balance(customer) -> int:
    return PointsAccount.objects.get(customer=customer).balance


def accrue(chunk_size=50_000, on_progress=None):
    run = services.start_accrual(PERIOD)
    return services.execute_accrual(run.pk, chunk_size=chunk_size, on_progress=on_progress)


def test_r2_4_6_paid_bills_earn_points_with_level_multiplier_and_on_time_bonus(bills):
    run = accrue()
    assert run.status == RunStatus.DONE
    assert (run.total, run.done, run.entries_created) == (2, 2, 3)
    # standard: floor(1234.56 × 1) = 1234, +10 paid on time; gold: floor(1000.50 × 1.5) =
    # 1500, paid late: no bonus. Partly paid and unpaid bills accrue nothing (yet).
    assert balance(bills["standard"]) == 1244
    assert balance(bills["gold"]) == 1500
    assert not PointsAccount.objects.filter(customer=bills["partial"]).exists()
    assert run.points_created == 2744
    earn = PointsEntry.objects.get(idempotency_key=f"bill:{bills['late'].pk}:earn")
    assert (earn.kind, earn.points, earn.reference) == (
        EntryKind.EARN,
        1500,
        f"bill:{bills['late'].pk}",
    )
    lot = PointsLot.objects.get(entry=earn)
    # paid on 2025-04-18: earned in 2025, usable until the end of 2027 (R2.4.3)
    assert (lot.remaining, lot.earned_on, lot.expires_at) == (
        1500,
        date(2025, 4, 18),
        date(2027, 12, 31),
    )
    assert PointsEntry.objects.filter(kind=EntryKind.BONUS).count() == 1


def test_r2_4_6_rerunning_a_month_changes_nothing(bills):
    accrue()
    before = list(PointsEntry.objects.values_list("id", "points"))
    again = accrue()
    assert (again.done, again.entries_created, again.points_created) == (2, 0, 0)
    assert list(PointsEntry.objects.values_list("id", "points")) == before
    assert balance(bills["standard"]) == 1244


def test_r2_4_6_an_interrupted_run_resumes_after_its_last_chunk(bj, rules):
    manager = make_org().manager_a
    customers = [make_customer(manager) for _ in range(2)]
    for i in range(5):
        make_bill(make_account(customers[i % 2]), PERIOD, 100 + i)

    def crash(run):
        raise RuntimeError("worker lost")

    failed = accrue(chunk_size=2, on_progress=crash)
    assert failed.status == RunStatus.FAILED
    assert failed.done == 2 and failed.entries_created == 4  # earn + on-time bonus each
    run = services.resume_run(failed)
    run = services.execute_accrual(run.pk, chunk_size=2)
    assert run.status == RunStatus.DONE
    assert (run.done, run.entries_created) == (5, 10)
    assert PointsEntry.objects.count() == 10
    assert sum(balance(c) for c in customers) == sum(100 + i + 10 for i in range(5))


def test_r2_4_6_one_run_at_a_time_and_the_command(bills, capsys):
    services.start_accrual(PERIOD)
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        services.start_accrual(PERIOD)


def test_r2_4_6_command_runs_with_a_progress_bar(bills, capsys):
    call_command("accrue_points", "--province", "bj", "--period", "2025-03", "--sync")
    out = capsys.readouterr().out
    assert "accrued 2 bills: 3 entries, 2744 points" in out
