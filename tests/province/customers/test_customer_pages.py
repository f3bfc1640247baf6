"""Customer pages (R2.1.2): list with filters and search, detail tabs, forms, transfer."""

from datetime import date

import pytest

from province.customers.models import Customer
from shared.accounts.models import PersonalDataAccess
from tests.conftest import in_tenant
from tests.factories import VALID_USCCS, make_account, make_bill, make_customer, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with in_tenant("bj"):
        org = make_org()
        mine = make_customer(org.manager_a, name="甲公司", certificate_no=VALID_USCCS[0])
        theirs = make_customer(org.manager_b, name="乙公司", level="gold")
        make_bill(make_account(mine), date(2026, 10, 1), 880)
        return org, mine, theirs


def test_list_shows_visible_customers_with_masked_phones(world, tenant_client):
    org, mine, theirs = world
    page = tenant_client("bj", org.manager_a.user).get("/customers/")
    assert [c.pk for c in page.context["rows"]] == [mine.pk]
    assert "139****9000" in page.content.decode()


def test_list_filters_and_searches(world, tenant_client):
    org, mine, theirs = world
    client = tenant_client("bj", org.admin.user)
    assert [c.pk for c in client.get("/customers/", {"level": "gold"}).context["rows"]] == [
        theirs.pk
    ]
    found = client.get("/customers/", {"q": "甲"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in found.content and "甲公司" in found.content.decode()
    assert [c.pk for c in found.context["rows"]] == [mine.pk]


def test_list_pages_by_keyset(world, tenant_client):
    org, _mine, _theirs = world
    with in_tenant("bj"):
        for _ in range(55):
            make_customer(org.manager_a)
    client = tenant_client("bj", org.admin.user)
    first = client.get("/customers/", {"level": "standard"})
    assert len(first.context["rows"]) == 50 and "after=" in first.context["next_query"]
    assert "level=standard" in first.context["next_query"]  # filters survive paging
    second = client.get(f"/customers/?{first.context['next_query']}")
    assert len(second.context["rows"]) == 6  # 56 standard customers in all
    assert not second.context["next_query"]
    assert not {c.pk for c in first.context["rows"]} & {c.pk for c in second.context["rows"]}


def test_list_sorts_by_name_with_offset_pages(world, tenant_client):
    org, mine, theirs = world
    client = tenant_client("bj", org.admin.user)
    rows = client.get("/customers/", {"sort": "name"}).context["rows"]
    assert [c.name for c in rows] == sorted(c.name for c in rows)
    newest = client.get("/customers/", {"sort": "-joined_on"}).context["rows"]
    assert [c.joined_on for c in newest] == sorted((c.joined_on for c in newest), reverse=True)


def test_r2_1_2_saved_views(world, tenant_client):
    org, mine, theirs = world
    client = tenant_client("bj", org.manager_a.user)
    response = client.post(
        "/accounts/views/",
        {
            "page": "customers",
            "name": "金卡客户",
            "query": "level=gold&after=99",
            "next": "/customers/",
        },
    )
    assert response.status_code == 302
    page = client.get("/customers/")
    views = list(page.context["saved_views"])
    assert [(v.name, v.query) for v in views] == [("金卡客户", "level=gold")]
    other = tenant_client("bj", org.manager_b.user).get("/customers/")
    assert list(other.context["saved_views"]) == []  # views are personal
    client.post(f"/accounts/views/{views[0].pk}/delete/", {"next": "/customers/"})
    assert list(client.get("/customers/").context["saved_views"]) == []


def test_detail_tabs_and_audit_for_unmasking_roles(world, tenant_client):
    org, mine, _theirs = world
    page = tenant_client("bj", org.admin.user).get(f"/customers/{mine.pk}/")
    body = page.content.decode()
    assert VALID_USCCS[0] in body and "880" in body
    with in_tenant("bj"):
        assert PersonalDataAccess.objects.filter(object_type="customers.Customer").count() == 1
    masked = tenant_client("bj", org.manager_a.user).get(f"/customers/{mine.pk}/")
    assert VALID_USCCS[0] not in masked.content.decode()


def test_detail_of_someone_elses_customer_is_404(world, tenant_client):
    org, _mine, theirs = world
    assert (
        tenant_client("bj", org.manager_a.user).get(f"/customers/{theirs.pk}/").status_code == 404
    )


def test_create_form_reports_duplicate_with_link(world, tenant_client):
    org, mine, _theirs = world
    data = {
        "type": "enterprise",
        "name": "重复公司",
        "certificate_no": VALID_USCCS[0],
        "status": "active",
        "account_manager": org.manager_a.pk,
    }
    page = tenant_client("bj", org.admin.user).post("/customers/new/", data)
    assert page.status_code == 200
    assert f'href="/customers/{mine.pk}/"' in page.content.decode()
    with in_tenant("bj"):
        assert not Customer.objects.filter(name="重复公司").exists()


def test_transfer_from_the_list(world, tenant_client):
    org, mine, _theirs = world
    response = tenant_client("bj", org.admin.user).post(
        "/customers/transfer/",
        {"customers": [mine.pk], "to_manager": org.manager_b.pk, "reason": "客户经理调整"},
    )
    assert response.status_code == 302
    with in_tenant("bj"):
        mine.refresh_from_db()
        assert mine.account_manager == org.manager_b


def test_manager_cannot_transfer(world, tenant_client):
    org, mine, _theirs = world
    response = tenant_client("bj", org.manager_a.user).post(
        "/customers/transfer/",
        {"customers": [mine.pk], "to_manager": org.manager_b.pk, "reason": "x"},
    )
    assert response.status_code == 403
