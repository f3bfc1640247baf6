"""The analysis pages, exports and API (R2.5.1–R2.5.5): permissions, scoping, bad input,
and that exports and API return the figures the selectors compute."""

import csv
import io

import pytest

from shared.accounts.services import set_roles
from shared.exports import XLSX_TYPE
from tests.conftest import in_tenant

pytestmark = pytest.mark.django_db
PERIOD = {"period_from": "2025-01", "period_to": "2025-03"}
PAGES = ["composition", "products", "satisfaction", "value", "pricing"]


def _csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode()), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("slug", PAGES)
def test_r2_5_every_page_renders_charts_and_export_links(world, tenant_client, slug):
    response = tenant_client("bj", world.org.admin.user).get(f"/analysis/{slug}/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "echarts.min.js" in body and 'id="analysis-data"' in body
    assert "format=xlsx" in body and 'id="analysis-filter"' in body


def test_r2_5_index_links_the_five_pages(world, tenant_client):
    body = tenant_client("bj", world.org.admin.user).get("/analysis/").content.decode()
    for slug in PAGES:
        assert f'href="/analysis/{slug}/"' in body


def test_r2_5_pages_need_the_customer_view_permission(world, tenant_client):
    with in_tenant("bj"):
        set_roles(world.org.manager_a.user, [])
    client = tenant_client("bj", world.org.manager_a.user)
    assert client.get("/analysis/").status_code == 403
    assert client.get("/analysis/value/").status_code == 403
    assert tenant_client("bj").get("/analysis/value/").status_code == 302  # to sign-in


@pytest.mark.parametrize(
    "query, field",
    [
        ({"period_from": "2025-13"}, "period_from"),
        ({"period_from": "garbage"}, "period_from"),
        ({"period_from": "2025-05", "period_to": "2025-01"}, "period_to"),
        ({"period_from": "2010-01", "period_to": "2025-01"}, "period_from"),
        ({"level": "platinum"}, "level"),
        ({"account_manager": "abc"}, "account_manager"),
        ({"under": "999999"}, "under"),
    ],
)
def test_r2_5_bad_filter_input_is_a_form_error_not_a_500(world, tenant_client, query, field):
    response = tenant_client("bj", world.org.admin.user).get("/analysis/composition/", query)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_r2_5_4_bad_top_n_is_a_form_error(world, tenant_client):
    response = tenant_client("bj", world.org.admin.user).get("/analysis/value/", {"top": "0"})
    assert response.status_code == 400 and "top" in response.context["top_form"].errors


def test_r2_5_manager_cannot_filter_by_another_units_manager(world, tenant_client):
    # manager_b is outside manager_a's unit, so cannot even be chosen (no probing).
    response = tenant_client("bj", world.org.manager_a.user).get(
        "/analysis/composition/", {**PERIOD, "account_manager": world.org.manager_b.pk}
    )
    assert response.status_code == 400


def test_r2_5_1_page_shows_a_managers_own_figures(world, tenant_client):
    response = tenant_client("bj", world.org.manager_a.user).get("/analysis/composition/", PERIOD)
    assert response.context["figures"]["total"] == 2


def english(client):
    """The export's labels are asserted in English (the source text)."""
    client.cookies["django_language"] = "en"
    return client


def test_r2_5_1_export_csv_holds_the_figures(world, tenant_client):
    response = english(tenant_client("bj", world.org.admin.user)).get(
        "/analysis/composition/", {**PERIOD, "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="composition-202501-202503.csv"' in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert ["Customers by level"] in rows
    assert ["Gold", "2"] in rows and ["Standard", "2"] in rows
    start = rows.index(["Active customers per month"])
    assert rows[start + 2 : start + 5] == [["2025-01", "2"], ["2025-02", "1"], ["2025-03", "2"]]


def test_r2_5_4_export_csv_holds_arpu_and_top_customers(world, tenant_client):
    response = english(tenant_client("bj", world.org.admin.user)).get(
        "/analysis/value/", {**PERIOD, "top": "2", "format": "csv"}
    )
    rows = _csv_rows(response)
    assert ["2025-02", "300.00", "1", "300.00", "20.0", ""] in rows
    top_start = rows.index(["Top customers by revenue"])
    assert [r[1] for r in rows[top_start + 2 :]] == [world.c1.number, world.c2.number]


def test_r2_5_export_xlsx_when_openpyxl_is_installed(world, tenant_client):
    openpyxl = pytest.importorskip("openpyxl")
    response = english(tenant_client("bj", world.org.admin.user)).get(
        "/analysis/pricing/", {**PERIOD, "format": "xlsx"}
    )
    assert response["Content-Type"] == XLSX_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 3  # one sheet per section, titles cut to 31 characters
    sheet = workbook.worksheets[1]
    assert sheet.title == "Average monthly fee against lis"
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert float(rows["Fibre"][3]) == 80.0 and float(rows["Fibre"][4]) == 20.0


def test_r2_5_4_value_page_links_top_customers(world, tenant_client):
    body = tenant_client("bj", world.org.admin.user).get("/analysis/value/", PERIOD).content
    assert f'href="/customers/{world.c1.pk}/"'.encode() in body


# --- API -------------------------------------------------------------------------------------


def test_r2_5_api_returns_the_page_figures(world, api_client):
    client = api_client("bj", world.org.admin.user)
    composition = client.get("/api/analysis/composition/", PERIOD).json()
    assert composition["over_time"]["active"] == [2, 1, 2]
    value = client.get("/api/analysis/value/", {**PERIOD, "top": 1}).json()
    assert [m["arpu"] for m in value["months"]] == ["125.00", "300.00", "200.00"]
    assert len(value["top"]) == 1 and value["clv"]["average"] == "694.44"
    products = client.get("/api/analysis/products/", PERIOD).json()
    assert products["total_revenue"] == "1000.00"
    pricing = client.get("/api/analysis/pricing/", PERIOD).json()
    assert {r["label"]: r["discount"] for r in pricing["prices"]}["Fibre"] == "20.0"
    assert client.get("/api/analysis/satisfaction/", PERIOD).json()["count"] == 0


def test_r2_5_api_scopes_to_the_managers_customers(world, api_client):
    client = api_client("bj", world.org.manager_b.user)
    value = client.get("/api/analysis/value/", PERIOD).json()
    assert value["total_revenue"] == "50.00"


def test_r2_5_api_bad_input_is_400_with_field_messages(world, api_client):
    client = api_client("bj", world.org.admin.user)
    response = client.get("/api/analysis/composition/", {"period_to": "2025-1x"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "period_to" in body["fields"]
    assert client.get("/api/analysis/value/", {"top": "many"}).status_code == 400


def test_r2_5_api_needs_the_customer_view_permission(world, api_client):
    with in_tenant("bj"):
        set_roles(world.org.manager_a.user, [])
    assert api_client("bj", world.org.manager_a.user).get("/api/analysis/value/").status_code == 403
    assert api_client("bj").get("/api/analysis/value/").status_code in {401, 403}
