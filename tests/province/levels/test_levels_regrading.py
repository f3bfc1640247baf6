"""The set-based re-grading run (R2.2): hand-computed averages of PAID revenue over the
six full months before the as-of month, tenure and product thresholds, the strategic floor,
exclusions, and progress reporting."""

from datetime import date
from decimal import Decimal

import pytest

from province.customers.models import Customer
from province.levels import services
from province.levels.choices import ProposalStatus, RunStatus
from province.levels.models import LevelRule, LevelStandard, RegradingRun
from shared.errors import Conflict
from tests.factories import make_account, make_bill, make_customer, make_org, make_product
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


def make_standard(actor, rules, **fields):
    fields = {"name": "Test standard", "effective_from": date(2025, 1, 1)} | fields
    standard = services.save_standard(actor=actor, rules=rules, **fields)
    return services.activate_standard(standard, actor=actor)


def test_r2_2_published_standard_is_active_in_a_new_province(org):
    standard = LevelStandard.objects.get(is_active=True)
    rules = {r.level: r.min_avg_monthly_paid for r in standard.rules.all()}
    assert rules == {"silver": Decimal("150"), "gold": Decimal("300"), "diamond": Decimal("450")}
    assert (standard.months, standard.validity_months) == (6, 12)


def test_r2_2_regrading_proposes_gold_for_avg_320(org):
    customer = customer_paying(org.manager_a, 320)
    run = regrade(org.admin.user)
    proposal = proposals_by_customer(run)[customer.pk]
    assert (proposal.current_level, proposal.proposed_level) == ("standard", "gold")
    assert proposal.avg_monthly_paid == Decimal("320.00")
    assert proposal.status == ProposalStatus.PENDING
    assert (run.status, run.proposals, run.upgrades, run.downgrades) == ("done", 1, 1, 0)


def test_r2_2_449_99_is_gold_and_450_is_diamond(org):
    # 5 × 450 + 449.94 = 2699.94; / 6 = 449.99
    almost = customer_paying(org.manager_a, [450, 450, 450, 450, 450, Decimal("449.94")])
    exactly = customer_paying(org.manager_a, 450)
    proposals = proposals_by_customer(regrade())
    assert proposals[almost.pk].proposed_level == "gold"
    assert proposals[almost.pk].avg_monthly_paid == Decimal("449.99")
    assert proposals[exactly.pk].proposed_level == "diamond"


def test_r2_2_paid_amounts_count_not_amounts_due(org):
    # Billed 1000 a month but paid 200: 200 ≥ 150 → silver, not diamond.
    customer = customer_paying(org.manager_a, 200, due=1000)
    proposal = proposals_by_customer(regrade())[customer.pk]
    assert (proposal.proposed_level, proposal.avg_monthly_paid) == ("silver", Decimal("200.00"))


def test_r2_2_bills_outside_the_window_are_ignored(org):
    customer = customer_paying(org.manager_a, 160)
    account = customer.accounts.get()
    make_bill(account, date(2024, 12, 1), 10_000)  # before the window
    make_bill(account, date(2025, 7, 1), 10_000)  # the as-of month itself
    proposal = proposals_by_customer(regrade())[customer.pk]
    assert (proposal.proposed_level, proposal.avg_monthly_paid) == ("silver", Decimal("160.00"))


def test_r2_2_missing_months_count_as_zero_and_accounts_add_up(org):
    sparse = customer_paying(org.manager_a, 600, months=[date(2025, m, 1) for m in (1, 3, 5)])
    two_accounts = customer_paying(org.manager_a, 100)
    second = make_account(two_accounts)
    for month in range(1, 7):
        make_bill(second, date(2025, month, 1), 100)
    proposals = proposals_by_customer(regrade())
    assert proposals[sparse.pk].avg_monthly_paid == Decimal("300.00")  # 1800 / 6
    assert proposals[sparse.pk].proposed_level == "gold"
    assert proposals[two_accounts.pk].avg_monthly_paid == Decimal("200.00")
    assert proposals[two_accounts.pk].proposed_level == "silver"


def test_r2_2_no_proposal_when_the_level_stays(org):
    gold = set_level(customer_paying(org.manager_a, 320), "gold")
    nothing = customer_paying(org.manager_a, 100)
    assert proposals_by_customer(regrade()).keys().isdisjoint({gold.pk, nothing.pk})


def test_r2_2_downgrade_is_proposed_and_counted(org):
    customer = set_level(customer_paying(org.manager_a, 100), "diamond")
    run = regrade()
    assert proposals_by_customer(run)[customer.pk].proposed_level == "standard"
    assert (run.proposals, run.upgrades, run.downgrades) == (1, 0, 1)


def test_r2_2_churned_and_merged_customers_are_excluded(org):
    customer_paying(org.manager_a, 500, status="churned")  # excluded
    merged = customer_paying(org.manager_a, 500)
    survivor = customer_paying(org.manager_a, 500)
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)
    run = regrade()
    assert set(proposals_by_customer(run)) == {survivor.pk}
    assert run.total == run.done == 1


def test_r2_2_tenure_threshold(org):
    make_standard(
        org.admin.user,
        [
            {"level": "silver", "min_avg_monthly_paid": "150"},
            {"level": "gold", "min_avg_monthly_paid": "300", "min_tenure_months": 24},
        ],
    )
    # age(2025-07-01, 2024-01-15) = 1 year 5 months 16 days → 17 months: not yet gold.
    young = customer_paying(org.manager_a, 320, joined_on=date(2024, 1, 15))
    # Exactly 24 months.
    loyal = customer_paying(org.manager_a, 320, joined_on=date(2023, 7, 1))
    proposals = proposals_by_customer(regrade())
    assert (proposals[young.pk].proposed_level, proposals[young.pk].tenure_months) == (
        "silver",
        17,
    )
    assert (proposals[loyal.pk].proposed_level, proposals[loyal.pk].tenure_months) == ("gold", 24)


def test_r2_2_active_product_threshold_ignores_terminated_products(org):
    make_standard(
        org.admin.user,
        [
            {"level": "gold", "min_avg_monthly_paid": "300"},
            {"level": "diamond", "min_avg_monthly_paid": "450", "min_active_products": 2},
        ],
    )
    customer = customer_paying(org.manager_a, 500)
    account = customer.accounts.get()
    product = make_product()
    for number, terminated in (("1001", None), ("1002", date(2025, 3, 1))):
        customer.products.create(
            account=account,
            product=product,
            service_number=number,
            monthly_fee=100,
            activated_on=date(2024, 1, 1),
            terminated_on=terminated,
        )
    proposal = proposals_by_customer(regrade())[customer.pk]
    assert (proposal.proposed_level, proposal.active_products) == ("gold", 1)


def test_r2_2_strategic_customers_are_at_least_gold(org):
    no_revenue = make_customer(org.manager_a, is_strategic=True, joined_on=date(2020, 1, 1))
    big = customer_paying(org.manager_a, 500, is_strategic=True)
    proposals = proposals_by_customer(regrade())
    assert proposals[no_revenue.pk].proposed_level == "gold"
    assert proposals[big.pk].proposed_level == "diamond"


def test_r2_2_run_reports_progress_per_chunk(org):
    customers = [customer_paying(org.manager_a, 320) for _ in range(5)]
    seen = []
    run = regrade(chunk_size=2, on_progress=lambda r: seen.append((r.done, r.total)))
    # Ids are consecutive here, so chunks of two ids hold 2, 2, 1 of our customers.
    low = min(c.pk for c in customers)
    first_chunk = Customer.objects.filter(pk__lt=low + 2).count()
    assert len(seen) >= 3
    assert seen[0] == (first_chunk, run.total)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert seen[-1] == (run.total, run.total)
    assert (run.status, run.done, run.proposals, run.percent) == ("done", run.total, 5, 100)


def test_r2_2_rerunning_a_finished_run_changes_nothing(org):
    customer_paying(org.manager_a, 320)
    run = regrade()
    again = services.execute_run(run.pk)
    assert (again.done, again.proposals) == (run.done, run.proposals)


def test_r2_2_only_one_run_at_a_time(org):
    run = services.start_regrading(actor=org.admin.user, as_of=AS_OF)
    with pytest.raises(Conflict):
        services.start_regrading(actor=org.admin.user, as_of=AS_OF)
    services.execute_run(run.pk)
    assert services.start_regrading(as_of=AS_OF).status == RunStatus.RUNNING


def test_r2_2_a_new_run_supersedes_pending_proposals(org):
    customer = customer_paying(org.manager_a, 320)
    first = regrade()
    second = regrade()
    assert proposals_by_customer(first)[customer.pk].status == ProposalStatus.SUPERSEDED
    assert proposals_by_customer(second)[customer.pk].status == ProposalStatus.PENDING


def test_r2_2_no_active_standard_is_a_conflict(org):
    LevelStandard.objects.update(is_active=False)
    with pytest.raises(Conflict):
        services.start_regrading(as_of=AS_OF)


def test_r2_2_activating_a_standard_deactivates_the_other(org):
    old = LevelStandard.objects.get(is_active=True)
    new = make_standard(org.admin.user, [{"level": "silver", "min_avg_monthly_paid": "100"}])
    old.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)
    assert LevelRule.objects.filter(standard=new).count() == 1


def test_r2_2_rules_must_rise_with_the_level(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.save_standard(
            actor=org.admin.user,
            name="Bad",
            effective_from=date(2025, 1, 1),
            rules=[
                {"level": "silver", "min_avg_monthly_paid": "300"},
                {"level": "gold", "min_avg_monthly_paid": "200"},
            ],
        )
    assert "rules" in error.value.message_dict


def test_r2_2_a_used_standard_cannot_be_edited(org):
    customer_paying(org.manager_a, 320)
    run = regrade()
    with pytest.raises(Conflict):
        services.save_standard(run.standard, actor=org.admin.user, name="Changed")


def test_r2_2_failed_chunk_marks_the_run_failed(org, monkeypatch):
    customer_paying(org.manager_a, 320)
    run = services.start_regrading(as_of=AS_OF)
    monkeypatch.setattr(services, "_chunk_sql", lambda: "SELECT nonsense FROM nowhere")
    run = services.execute_run(run.pk)
    assert run.status == RunStatus.FAILED and "nowhere" in run.error
    assert RegradingRun.objects.get(pk=run.pk).finished_at is not None


@pytest.mark.parametrize("as_of", [date(1999, 12, 1), date(2999, 1, 1)])
def test_r2_2_as_of_month_out_of_range_is_a_field_error(org, as_of):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.start_regrading(as_of=as_of)
    assert "as_of" in error.value.message_dict
    assert not RegradingRun.objects.exists()
