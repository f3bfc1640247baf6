"""The province's indicator page and API (appendix 1, R11.2): its own values only, the
compute button for administrators, its targets; account managers do not see it."""

import pytest

from province.indicators import services
from province.indicators.models import IndicatorValue
from sync.models import OutboxMessage
from tests.conftest import in_tenant
from tests.province.indicators.indicator_scenarios import OCTOBER, beijing, shanghai

pytestmark = pytest.mark.django_db


def test_page_shows_the_province_own_values_a1(tenant_client):
    with in_tenant("bj"):
        bj_org = beijing()
        services.compute_indicators(OCTOBER)
    with in_tenant("sh"):
        sh_org = shanghai()
    page = tenant_client("bj", bj_org.admin.user).get("/indicators/?indicator=KC_REVENUE")
    assert page.status_code == 200
    rows = {r["code"]: r for r in page.context["rows"]}
    assert rows["KC_REVENUE"]["total"] == 1500
    assert "own-trend-chart" in page.content.decode()
    # sh has computed nothing: bj's month is not visible on sh's host.
    sh_page = tenant_client("sh", sh_org.admin.user).get("/indicators/")
    assert sh_page.status_code == 200 and sh_page.context["rows"] == []


def test_compute_button_computes_and_publishes_for_administrators_only_a1(tenant_client):
    with in_tenant("bj"):
        org = beijing()
    refused = tenant_client("bj", org.auditor.user).post(
        "/indicators/compute/", {"period": "2026-10"}
    )
    assert refused.status_code == 403
    response = tenant_client("bj", org.admin.user).post(
        "/indicators/compute/", {"period": "2026-10"}
    )
    assert response.status_code == 302
    with in_tenant("bj"):
        assert IndicatorValue.objects.filter(period=OCTOBER, indicator="KC_COUNT").exists()
        assert OutboxMessage.objects.filter(topic="indicators.snapshot", key="2026-10").count() == 1


def test_account_managers_do_not_see_province_wide_indicators_a1(tenant_client, api_client):
    with in_tenant("bj"):
        org = beijing()
    assert tenant_client("bj", org.manager_a.user).get("/indicators/").status_code == 403
    assert api_client("bj", org.manager_a.user).get("/api/indicators/values/").status_code == 403


def test_api_lists_the_province_values_a1(api_client):
    with in_tenant("bj"):
        org = beijing()
        services.compute_indicators(OCTOBER)
    rows = (
        api_client("bj", org.auditor.user)
        .get("/api/indicators/values/?indicator=KC_COUNT&dimension=level")
        .json()["results"]
    )
    assert sorted((r["member"], r["value"]) for r in rows) == [
        ("gold", "1.0000"),
        ("silver", "1.0000"),
    ]
