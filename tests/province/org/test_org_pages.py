"""The org pages: tree, staff list with filters, and the forms (R9.2)."""

import pytest

from province.org.models import OrgUnit, Staff
from tests.conftest import in_tenant
from tests.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    with in_tenant("bj"):
        return make_org()


def test_tree_shows_only_the_supervisors_subtree(org, tenant_client):
    page = tenant_client("bj", org.supervisor_a.user).get("/org/")
    names = [node["unit"].name for node in page.context["roots"]]
    assert names == ["City A"]
    body = page.content.decode()
    assert "Team A" in body and "City B" not in body


def test_staff_list_filters_by_subtree_and_role(org, tenant_client):
    client = tenant_client("bj", org.admin.user)
    under_b = client.get("/org/staff/", {"under": org.city_b.pk})
    assert [s.pk for s in under_b.context["page"]] == [org.manager_b.pk]
    agents = client.get("/org/staff/", {"role": "service_agent"})
    assert [s.pk for s in agents.context["page"]] == [org.agent_a.pk]
    partial = client.get("/org/staff/", {"q": org.manager_a.name}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and org.manager_a.name.encode() in partial.content


def test_role_without_staff_view_permission_gets_403(org, tenant_client):
    from shared.accounts.services import set_roles

    with in_tenant("bj"):
        set_roles(org.manager_a.user, [])
    assert tenant_client("bj", org.manager_a.user).get("/org/staff/").status_code == 403


def test_admin_creates_staff_through_the_form(org, tenant_client):
    data = {
        "username": "chenjing",
        "password": "Tele-Com-2026!",
        "name": "陈静",
        "employee_no": "E-777",
        "org_unit": org.team_b.pk,
        "mobile": "139 1234 5678",
        "roles": ["account_manager", "service_agent"],
        "is_active": "on",
    }
    response = tenant_client("bj", org.admin.user).post("/org/staff/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    with in_tenant("bj"):
        staff = Staff.objects.get(employee_no="E-777")
        assert staff.mobile == "13912345678" and staff.org_unit == org.team_b
        assert staff.user.role_codes == ["account_manager", "service_agent"]


def test_form_shows_service_errors_on_the_field(org, tenant_client):
    data = {
        "username": org.manager_a.user.username,
        "name": "重复",
        "employee_no": "E-778",
        "org_unit": org.team_b.pk,
        "is_active": "on",
    }
    response = tenant_client("bj", org.admin.user).post("/org/staff/new/", data)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    with in_tenant("bj"):
        assert not Staff.objects.filter(employee_no="E-778").exists()


def test_supervisor_edits_a_team_member_but_not_outside_their_subtree(org, tenant_client):
    client = tenant_client("bj", org.supervisor_a.user)
    assert client.get(f"/org/staff/{org.manager_b.pk}/edit/").status_code == 404
    data = {
        "name": "新名字",
        "employee_no": org.manager_a.employee_no,
        "org_unit": org.team_a.pk,
        "title": "Lead",
        "mobile": "",
        "email": "",
        "roles": ["account_manager"],
        "is_active": "on",
    }
    response = client.post(f"/org/staff/{org.manager_a.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    with in_tenant("bj"):
        assert Staff.objects.get(pk=org.manager_a.pk).name == "新名字"


def test_unit_form_refuses_a_bad_placement(org, tenant_client):
    data = {"name": "X", "code": "X-1", "kind": "city", "parent": org.team_a.pk, "is_active": "on"}
    response = tenant_client("bj", org.admin.user).post("/org/units/new/", data)
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    with in_tenant("bj"):
        assert not OrgUnit.objects.filter(code="X-1").exists()


def test_reader_cannot_open_the_forms(org, tenant_client):
    client = tenant_client("bj", org.auditor.user)
    assert client.get("/org/staff/new/").status_code == 403
    assert client.get(f"/org/units/{org.team_a.pk}/edit/").status_code == 403


def test_province_home_shows_figures_in_scope(org, tenant_client):
    page = tenant_client("bj", org.manager_a.user).get("/")
    assert page.context["figures"] == {"org_units": 1, "staff": 2}
    assert "Team A" in page.content.decode()
