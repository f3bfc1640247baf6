"""HQ's province list: every province with its status, for HQ roles only (issue 2 item 6)."""

import pytest

from tests.conftest import in_tenant
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_hq_home_lists_every_province_with_status(tenant_client):
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    page = tenant_client("hq", admin).get("/")
    assert page.status_code == 200
    assert [s.schema_name for s in page.context["statuses"]] == ["bj", "sh"]
    body = page.content.decode()
    assert 'data-province="bj"' in body and "staff-chart" in body  # table and ECharts chart


def test_hq_user_without_a_role_is_refused(tenant_client, api_client):
    with in_tenant("hq"):
        nobody = make_user([])
    assert tenant_client("hq", nobody).get("/").status_code == 403
    assert api_client("hq", nobody).get("/api/provinces/").status_code == 403


def test_hq_api_lists_provinces(api_client):
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
    rows = api_client("hq", analyst).get("/api/provinces/").json()
    assert [(r["schema_name"], r["code"]) for r in rows] == [("bj", "11"), ("sh", "31")]
