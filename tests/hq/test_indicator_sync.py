"""Indicators and targets through the sync core (appendix 1, R11.2): definitions HQ →
provinces, snapshots provinces → HQ's fact table, targets HQ → provinces and completion
back. Messages are relayed synchronously in the sender's schema, as tests/sync does."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hq.indicators import selectors as hq_selectors
from hq.indicators import services as hq_services
from hq.indicators.models import IndicatorDefinition, IndicatorFact, ProvinceSnapshot, Target
from province.indicators import services
from province.indicators.models import (
    DefinitionsReceipt,
    IndicatorValue,
    ProvinceTarget,
    ReceivedDefinition,
)
from sync.models import InboxMessage, InboxStatus, OutboxMessage
from sync.relay import deliver, envelope_of, relay_all
from tests.conftest import in_tenant
from tests.factories import make_account, make_bill
from tests.province.indicators.indicator_scenarios import OCTOBER, beijing, shanghai

pytestmark = pytest.mark.django_db


def publish_definitions():
    with in_tenant("hq"):
        release = hq_services.publish_definitions()
        relay_all()
    return release


def compute_and_relay(schema: str):
    with in_tenant(schema):
        services.compute_indicators(OCTOBER)
        relay_all()


def facts(province: str) -> dict:
    with in_tenant("hq"):
        rows = IndicatorFact.objects.filter(province=province, period=OCTOBER)
        return {(f.indicator, f.dimension, f.member): f.value for f in rows}


def national(code: str):
    with in_tenant("hq"):
        return {n.definition.code: n.value for n in hq_selectors.national_totals(OCTOBER)}[code]


def test_definitions_reach_every_province_with_their_version_r11_2():
    """R11.2, A1: HQ's catalogue (seeded by migration) is published as version N; each
    province stores it and computes with it, and HQ sees the version per province."""
    with in_tenant("hq"):
        assert IndicatorDefinition.objects.filter(code="KC_COUNT").exists()
    release = publish_definitions()
    for schema in ("bj", "sh"):
        with in_tenant(schema):
            assert DefinitionsReceipt.objects.get().version == release.version
            kc = ReceivedDefinition.objects.get(code="KC_COUNT")
            assert (kc.name_zh, kc.name_en, kc.dimensions) == (
                "重点客户数",
                "Key customers",
                ["level", "city"],
            )
    with in_tenant("bj"):
        beijing()
    compute_and_relay("bj")
    with in_tenant("hq"):
        status = {r.schema_name: r for r in hq_selectors.reporting_status()}
        assert status["bj"].definitions_version == release.version
        assert status["bj"].last_period == OCTOBER
        assert status["sh"].definitions_version is None


def test_sources_not_in_the_system_are_reported_absent_not_zero_a1():
    """A1: complaints, faults, return visits, channels: in the catalogue, reported as a
    NULL value; dimensions the catalogue does not list are not reported."""
    publish_definitions()
    with in_tenant("bj"):
        beijing()
    compute_and_relay("bj")
    bj = facts("bj")
    assert bj[("COMPLAINTS_PER_1000", "", "")] is None
    assert bj[("CHANNEL_SALES", "", "")] is None
    assert ("KC_ARPU", "city", "Beijing") not in bj
    assert national("COMPLAINTS_PER_1000") is None


def test_snapshots_fill_the_fact_table_and_hq_consolidates_a1():
    """A1: each province's month lands in HQ's fact table; national sums add, national
    rates are recomputed from the summed parts (not averaged)."""
    with in_tenant("bj"):
        beijing()
    with in_tenant("sh"):
        shanghai()
    compute_and_relay("bj")
    compute_and_relay("sh")
    assert facts("bj")[("KC_REVENUE", "", "")] == Decimal("1500")
    assert facts("sh")[("KC_REVENUE", "", "")] == Decimal("300")
    assert national("KC_REVENUE") == Decimal("1800")
    assert national("KC_COUNT") == 3
    # churned 1 + 0 over opening 2 + 1: 33.33 %, not the mean of 50 % and 0 %.
    assert national("KC_CHURN_RATE") == Decimal("33.33")
    assert national("KC_ARPU") == Decimal("600.00")  # 1800 over 3 billed customers
    assert national("SATISFACTION_SCORE") == Decimal("70.00")  # only bj has answers
    with in_tenant("hq"):
        definition = IndicatorDefinition.objects.get(code="KC_REVENUE")
        ranking = hq_selectors.ranking(definition, OCTOBER)
        assert [(r.schema_name, r.value) for r in ranking] == [
            ("bj", Decimal("1500")),
            ("sh", Decimal("300")),
        ]
        by_level = dict(hq_selectors.national_by_member(definition, OCTOBER, "level"))
        assert by_level == {"gold": Decimal("1300"), "silver": Decimal("500")}
        assert (
            ProvinceSnapshot.objects.get(province="bj").rows
            == IndicatorFact.objects.filter(province="bj").count()
        )


def test_republishing_a_month_replaces_it_never_double_counts_a1():
    """A1: computing a month again (after the data changed) replaces the province's month
    at HQ as a whole."""
    with in_tenant("bj"):
        beijing()
    compute_and_relay("bj")
    rows_before = len(facts("bj"))
    with in_tenant("bj"):
        from province.customers.models import Customer

        customer = Customer.objects.get(city="Tongzhou")
        make_bill(make_account(customer), OCTOBER, 250)
    compute_and_relay("bj")
    bj = facts("bj")
    assert bj[("KC_REVENUE", "", "")] == Decimal("1750")
    assert bj[("KC_REVENUE", "city", "Tongzhou")] == Decimal("250")
    assert len(bj) == rows_before  # the same cells, replaced: nothing doubled
    assert national("KC_REVENUE") == Decimal("1750")


def test_an_older_snapshot_of_the_month_arriving_late_is_ignored_a1():
    """A1, DESIGN §4: versions per (province, topic, month): the newer snapshot wins even
    when the older one is delivered after it."""
    with in_tenant("bj"):
        beijing()
        services.compute_indicators(OCTOBER)
        from province.customers.models import Customer

        make_bill(make_account(Customer.objects.get(city="Tongzhou")), OCTOBER, 250)
        services.compute_indicators(OCTOBER)
        older, newer = OutboxMessage.objects.filter(topic="indicators.snapshot").order_by("id")
        deliver("hq", [envelope_of(newer, "bj")])
        deliver("hq", [envelope_of(older, "bj")])
    with in_tenant("hq"):
        assert InboxMessage.objects.get(message_id=older.message_id).status == InboxStatus.STALE
    assert facts("bj")[("KC_REVENUE", "", "")] == Decimal("1750")


def test_targets_round_trip_with_completion_r11_2_r4_2():
    """R11.2, R4.2: HQ sets a Q4 revenue target split over bj and sh; each province gets
    its share, computes its completion from its own values and reports it; HQ compares."""
    publish_definitions()
    with in_tenant("bj"):
        beijing()
    with in_tenant("sh"):
        shanghai()
    with in_tenant("hq"):
        target = hq_services.create_target(
            code="REV-2026Q4",
            name="Q4 revenue",
            indicator="KC_REVENUE",
            period_start=OCTOBER,
            period_end=OCTOBER.replace(month=12),
            national_value="10000",
            assignments={"bj": "6000", "sh": "4000"},
        )
        relay_all()
    with in_tenant("bj"):
        share = ProvinceTarget.objects.get(code="REV-2026Q4")
        assert (share.value, share.national_value) == (Decimal("6000"), Decimal("10000"))
    compute_and_relay("bj")
    compute_and_relay("sh")
    with in_tenant("bj"):
        completion = IndicatorValue.objects.get(indicator="TARGET_COMPLETION", member="REV-2026Q4")
        assert completion.value == Decimal("25.00")  # 1500 of 6000
    assert facts("sh")[("TARGET_COMPLETION", "target", "REV-2026Q4")] == Decimal("7.5")
    with in_tenant("hq"):
        comparison = hq_selectors.target_comparison(Target.objects.get(pk=target.pk))
        rows = {r.province: (r.actual, r.completion) for r in comparison.rows}
        assert rows == {
            "bj": (Decimal("1500"), Decimal("25.00")),
            "sh": (Decimal("300"), Decimal("7.50")),
        }
        assert comparison.completion == Decimal("18.00")  # 1800 of 10000


def test_a_split_that_does_not_add_up_is_refused_with_nothing_written_r4_2():
    """R4.2.2: for an additive indicator the provinces' values must add up to the national
    target; field errors, no target, no message."""
    with in_tenant("hq"):
        with pytest.raises(ValidationError) as error:
            hq_services.create_target(
                code="REV-BAD",
                name="Bad split",
                indicator="KC_REVENUE",
                period_start=OCTOBER,
                period_end=OCTOBER,
                national_value="10000",
                assignments={"bj": "6000", "sh": "3000"},
            )
        assert "assignments" in error.value.message_dict
        assert not Target.objects.filter(code="REV-BAD").exists()
        assert not OutboxMessage.objects.filter(topic="targets.assigned").exists()
        # A rate does not add up across provinces: any split is accepted.
        hq_services.create_target(
            code="ARPU-OCT",
            name="ARPU",
            indicator="KC_ARPU",
            period_start=OCTOBER,
            period_end=OCTOBER,
            national_value="700",
            assignments={"bj": "800", "sh": "600"},
        )


def test_a_full_resync_republishes_the_stored_months_as_computed_a1():
    """Issue 5 item 6: the ``indicators.snapshot`` snapshot publisher sends every stored
    month again, as it was computed (no recomputation), and HQ rebuilds its facts."""
    from sync.registry import SNAPSHOTS

    with in_tenant("bj"):
        beijing()
    compute_and_relay("bj")
    before = facts("bj")
    with in_tenant("hq"):
        IndicatorFact.objects.filter(province="bj").delete()  # HQ lost them
    with in_tenant("bj"):
        from province.customers.models import Customer

        make_bill(make_account(Customer.objects.get(city="Tongzhou")), OCTOBER, 250)
        snapshot = SNAPSHOTS["indicators.snapshot"]
        assert snapshot.keys() == [f"{OCTOBER:%Y-%m}"]
        snapshot.publish(snapshot.keys())
        relay_all()
    assert facts("bj") == before  # the month as computed, not with the new bill
    assert facts("bj")[("KC_REVENUE", "", "")] == Decimal("1500")


def test_months_delivered_together_are_applied_together_each_replacing_its_own_a1():
    """Issue 5 "Performance": a delivery of several months (a resync) is applied set-based;
    each month replaces only its own facts, the newest computation of a month wins."""
    from datetime import date

    september = date(OCTOBER.year, OCTOBER.month - 1, 1)
    with in_tenant("bj"):
        beijing()
        services.compute_indicators(september)
        services.compute_indicators(OCTOBER)
        from province.customers.models import Customer

        make_bill(make_account(Customer.objects.get(city="Tongzhou")), OCTOBER, 250)
        services.compute_indicators(OCTOBER)  # a newer October in the same delivery
        relay_all()
    with in_tenant("hq"):
        statuses = InboxMessage.objects.filter(topic="indicators.snapshot").order_by("id")
        assert [m.status for m in statuses] == ["applied", "stale", "applied"]
        by_month = {s.period: s.rows for s in ProvinceSnapshot.objects.filter(province="bj")}
        assert set(by_month) == {september, OCTOBER}
        for period, rows in by_month.items():
            assert IndicatorFact.objects.filter(province="bj", period=period).count() == rows
    assert facts("bj")[("KC_REVENUE", "", "")] == Decimal("1750")
