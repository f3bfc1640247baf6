"""HQ's indicator pages and API (appendix 1, R11.2): dashboard with ranking, trend and
export, drill-down, catalogue with the version per province, targets; HQ roles only."""

import io
from decimal import Decimal

import pytest

from hq.indicators import services as hq_services
from hq.indicators.models import Target
from province.indicators import services
from sync.relay import relay_all
from tests.conftest import in_tenant
from tests.factories import make_user
from tests.province.indicators.indicator_scenarios import OCTOBER, beijing, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported():
    """Definitions published, bj and sh computed October and relayed to HQ."""
    with in_tenant("hq"):
        hq_services.publish_definitions()
        relay_all()
    for schema, build in (("bj", beijing), ("sh", shanghai)):
        with in_tenant(schema):
            build()
            services.compute_indicators(OCTOBER)
            relay_all()
    with in_tenant("hq"):
        return make_user(["hq_analyst"]), make_user(["hq_admin"])


def test_dashboard_shows_totals_ranking_trend_and_versions_a1(tenant_client, reported):
    analyst, _admin = reported
    page = tenant_client("hq", analyst).get("/indicators/?period=2026-10&indicator=KC_REVENUE")
    assert page.status_code == 200
    totals = {n.definition.code: n.value for n in page.context["totals"]}
    assert totals["KC_REVENUE"] == Decimal("1800")
    assert [r.schema_name for r in page.context["ranking"]] == ["bj", "sh"]
    body = page.content.decode()
    assert "ranking-chart" in body and "trend-chart" in body
    assert 'data-province="bj"' in body and "v1" in body  # definitions version per province


def test_dashboard_exports_excel_a1(tenant_client, reported):
    from openpyxl import load_workbook

    analyst, _admin = reported
    response = tenant_client("hq", analyst).get(
        "/indicators/?period=2026-10&indicator=KC_REVENUE&format=xlsx"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    ranking = workbook.worksheets[1]
    assert [c.value for c in ranking[2]][1] == 1500


def test_drill_down_to_one_province_a1(tenant_client, reported):
    analyst, _admin = reported
    page = tenant_client("hq", analyst).get(
        "/indicators/provinces/bj/?period=2026-10&indicator=KC_COUNT"
    )
    assert page.status_code == 200
    rows = {r["definition"].code: r for r in page.context["rows"]}
    assert rows["KC_COUNT"]["total"] == 2
    assert dict(rows["KC_COUNT"]["by"]["city"]) == {"Beijing": 2, "Tongzhou": 0}
    assert tenant_client("hq", analyst).get("/indicators/provinces/xx/").status_code == 404


def test_api_national_ranking_trend_and_facts_a1(api_client, reported):
    analyst, _admin = reported
    client = api_client("hq", analyst)
    national = {r["code"]: r for r in client.get("/api/indicators/national/?period=2026-10").json()}
    assert national["KC_COUNT"] == {"code": "KC_COUNT", "value": "3", "provinces": 2}
    ranking = client.get("/api/indicators/ranking/?indicator=KC_REVENUE&period=2026-10").json()
    assert [(r["province"], r["value"]) for r in ranking] == [("bj", "1500"), ("sh", "300")]
    trend = client.get("/api/indicators/trend/?indicator=KC_REVENUE").json()
    assert trend == [{"period": "2026-10", "value": "1800"}]
    facts = client.get(
        "/api/indicators/facts/?province=sh&indicator=KC_REVENUE&dimension=city"
    ).json()
    assert [f["value"] for f in facts["results"]] == ["300.0000"]
    bad = client.get("/api/indicators/ranking/?indicator=NOPE")
    assert bad.status_code == 400 and "indicator" in bad.json()["fields"]
    for query in ("indicator=KC%00", "indicator=KC_REVENUE&province=b%00j"):  # schemathesis
        bad = client.get(f"/api/indicators/trend/?{query}")
        assert bad.status_code == 400, query


def test_catalogue_page_and_publication_need_hq_admin_r11_2(tenant_client, reported):
    analyst, admin = reported
    page = tenant_client("hq", analyst).get("/indicators/catalogue/")
    assert (
        page.status_code == 200 and 'data-indicator="COMPLAINTS_PER_1000"' in page.content.decode()
    )
    assert tenant_client("hq", analyst).post("/indicators/catalogue/publish/").status_code == 403
    response = tenant_client("hq", admin).post("/indicators/catalogue/publish/")
    assert response.status_code == 302
    with in_tenant("hq"):
        assert hq_selectors_version() == 2


def hq_selectors_version():
    from hq.indicators.selectors import current_version

    return current_version()


def test_targets_page_sets_a_target_and_compares_r11_2(tenant_client, api_client, reported):
    analyst, admin = reported
    client = tenant_client("hq", admin)
    form = {
        "code": "REV-OCT",
        "name": "October revenue",
        "indicator": "KC_REVENUE",
        "period_start": "2026-10",
        "period_end": "2026-10",
        "national_value": "3000",
        "share_bj": "2000",
        "share_sh": "500",
    }
    refused = client.post("/indicators/targets/", form)
    assert refused.status_code == 400 and not _target_exists("REV-OCT")
    assert tenant_client("hq", analyst).post("/indicators/targets/", form).status_code == 403
    created = client.post("/indicators/targets/", {**form, "share_sh": "1000"})
    assert created.status_code == 302 and _target_exists("REV-OCT")
    detail = tenant_client("hq", analyst).get("/indicators/targets/REV-OCT/")
    assert detail.status_code == 200 and "target-chart" in detail.content.decode()
    api = api_client("hq", admin)
    posted = api.post(
        "/api/indicators/targets/",
        {**{k: form[k] for k in ("name", "indicator", "national_value")}, "code": "API-1",
         "period_start": "2026-10-01", "period_end": "2026-12-01",
         "assignments": {"bj": "1", "sh": "1"}},
        format="json",
    )  # fmt: skip
    assert posted.status_code == 400 and "assignments" in posted.json()["fields"]
    listed = api_client("hq", analyst).get("/api/indicators/targets/").json()
    assert [t["code"] for t in listed["results"]] == ["REV-OCT"]


def _target_exists(code: str) -> bool:
    with in_tenant("hq"):
        return Target.objects.filter(code=code).exists()


def test_indicator_pages_refuse_users_without_an_hq_role(tenant_client, api_client):
    with in_tenant("hq"):
        nobody = make_user([])
    for url in ("/indicators/", "/indicators/catalogue/", "/indicators/targets/"):
        assert tenant_client("hq", nobody).get(url).status_code == 403
    assert api_client("hq", nobody).get("/api/indicators/national/").status_code == 403
