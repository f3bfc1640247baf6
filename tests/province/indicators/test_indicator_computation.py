"""A province computes its indicators of a month set-based (appendix 1), against values
worked out by hand in ``indicator_scenarios``."""

from decimal import Decimal

import pytest

from province.indicators import services
from province.indicators.models import IndicatorValue
from province.indicators.selectors import compute_month
from sync.models import OutboxMessage
from tests.conftest import in_tenant
from tests.province.indicators.indicator_scenarios import OCTOBER, beijing, shanghai

pytestmark = pytest.mark.django_db


def _values(rows) -> dict:
    return {(r.indicator, r.dimension, r.member): r.value for r in rows}


def test_customer_indicators_a1(bj):
    """A1: key customers by level and city, new, churned (date from history), churn rate."""
    beijing()
    v = _values(compute_month(OCTOBER))
    assert v[("KC_COUNT", "", "")] == 2
    assert v[("KC_OPENING", "", "")] == 2
    assert v[("KC_NEW", "", "")] == 1
    assert v[("KC_CHURNED", "", "")] == 1
    assert v[("KC_CHURN_RATE", "", "")] == Decimal("50.00")
    assert v[("KC_COUNT", "level", "gold")] == 1
    assert v[("KC_COUNT", "level", "silver")] == 1
    assert v[("KC_OPENING", "level", "gold")] == 2
    assert v[("KC_CHURN_RATE", "level", "gold")] == Decimal("50.00")
    assert v[("KC_CHURN_RATE", "level", "silver")] is None  # nothing to divide by: absent
    assert v[("KC_COUNT", "city", "Beijing")] == 2
    assert v[("KC_CHURNED", "city", "Tongzhou")] == 1
    assert ("KC_CHURN_RATE", "city", "Beijing") not in v


def test_revenue_and_arrears_indicators_a1(bj):
    """A1: revenue, ARPU, growth month on month and year on year, arrears amount and rate."""
    beijing()
    v = _values(compute_month(OCTOBER))
    assert v[("KC_REVENUE", "", "")] == Decimal("1500.00")
    assert v[("KC_REVENUE", "level", "gold")] == Decimal("1000.00")
    assert v[("KC_REVENUE", "city", "Beijing")] == Decimal("1500.00")
    assert v[("KC_BILLED", "", "")] == 2
    assert v[("KC_ARPU", "", "")] == Decimal("750.00")
    assert v[("KC_REVENUE_MOM", "", "")] == Decimal("50.00")
    assert v[("KC_REVENUE_YOY", "", "")] == Decimal("150.00")
    assert v[("ARREARS_AMOUNT", "", "")] == Decimal("500.00")
    assert v[("ARREARS_AMOUNT", "city", "Beijing")] == Decimal("300.00")
    assert v[("ARREARS_AMOUNT", "city", "Tongzhou")] == Decimal("200.00")
    assert v[("BILLS_DUE_AMOUNT", "", "")] == Decimal("1000.00")
    assert v[("BILLS_DUE_UNPAID", "", "")] == Decimal("200.00")
    assert v[("ARREARS_RATE", "", "")] == Decimal("20.00")


def test_points_and_satisfaction_indicators_a1(bj):
    """A1: points issued/redeemed/expired/outstanding and liability; satisfaction score.
    Month bounds are local (Asia/Shanghai) midnights; holds do not change the balance."""
    beijing()
    v = _values(compute_month(OCTOBER))
    assert v[("POINTS_ISSUED", "", "")] == 1150
    assert v[("POINTS_ISSUED", "level", "gold")] == 1100
    assert v[("POINTS_REDEEMED", "", "")] == 300
    assert v[("POINTS_EXPIRED", "", "")] == 40
    assert v[("POINTS_OUTSTANDING", "", "")] == 1290
    assert v[("POINTS_OUTSTANDING", "level", "silver")] == 30
    assert v[("POINTS_LIABILITY", "", "")] == Decimal("12.90")
    assert v[("SATISFACTION_SCORE", "", "")] == Decimal("70.00")
    assert v[("SATISFACTION_SCORE", "level", "gold")] == Decimal("80.00")
    assert v[("SATISFACTION_RESPONSES", "", "")] == 2


def test_a_province_with_other_data_gets_its_own_values_a1(sh):
    """A1: sh's figures come from sh's data only; absent satisfaction is None, not zero."""
    shanghai()
    v = _values(compute_month(OCTOBER))
    assert v[("KC_COUNT", "", "")] == 1
    assert v[("KC_REVENUE", "", "")] == Decimal("300.00")
    assert v[("KC_CHURN_RATE", "", "")] == Decimal("0.00")
    assert v[("SATISFACTION_SCORE", "", "")] is None
    assert v[("POINTS_OUTSTANDING", "", "")] == 0
    assert v[("KC_REVENUE_MOM", "", "")] is None  # no revenue in September


def test_compute_keeps_the_month_and_queues_one_snapshot_a1(bj):
    """A1: the service stores the month (replacing it when run again) and publishes one
    ``indicators.snapshot`` per run, keyed by the month, to HQ."""
    beijing()
    first = services.compute_indicators(OCTOBER)
    again = services.compute_indicators(OCTOBER)
    assert IndicatorValue.objects.filter(period=OCTOBER).count() == len(again) == len(first)
    messages = OutboxMessage.objects.filter(topic="indicators.snapshot").order_by("id")
    assert [(m.key, m.destination) for m in messages] == [("2026-10", "hq")] * 2
    payload = messages.last().payload
    assert payload["period"] == "2026-10" and payload["definitions_version"] == 0
    rows = {(r["indicator"], r["dimension"], r["member"]): r["value"] for r in payload["rows"]}
    assert rows[("KC_REVENUE", "", "")] == "1500"
    assert rows[("SATISFACTION_SCORE", "", "")] == "70"


def test_compute_command_runs_per_province(db, capsys):
    """A1: ``compute_indicators --province bj --period 2026-10`` prints one line per province."""
    from django.core.management import call_command

    with in_tenant("bj"):
        beijing()
    call_command("compute_indicators", "--province", "bj", "--period", "2026-10")
    assert "bj: 2026-10:" in capsys.readouterr().out
    with in_tenant("bj"):
        assert IndicatorValue.objects.filter(period=OCTOBER, indicator="KC_COUNT").exists()


def test_monthly_beat_job_computes_every_active_province_a1(db):
    """A1: the beat fan-out computes the month in every active province and queues one
    snapshot each (run here in-process; the worker path is the sync core's)."""
    from province.indicators.tasks import compute_indicators_all_provinces_task

    with in_tenant("bj"):
        beijing()
    with in_tenant("sh"):
        shanghai()
    assert compute_indicators_all_provinces_task("2026-10") == 2
    for schema in ("bj", "sh"):
        with in_tenant(schema):
            assert OutboxMessage.objects.filter(topic="indicators.snapshot", key="2026-10").exists()
