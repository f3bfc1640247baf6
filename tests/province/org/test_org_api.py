"""Org units and staff through the API: CRUD, roles, scoping, validation (R9.2)."""

import pytest

from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.models import PersonalDataAccess
from tests.api import APIResourceTestBase, CRUDTestMixins
from tests.conftest import in_tenant
from tests.factories import make_org, make_staff, make_unit


class _OrgScenario(APIResourceTestBase):
    def setup_roles(self):
        self.org = make_org()
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = make_staff(self.org.team_a, roles=[]).user


class TestOrgUnitAPI(_OrgScenario, CRUDTestMixins):
    """R9.2: org units, full CRUD for the province administrator."""

    model = OrgUnit
    base_url = "/api/org/units/"

    def make_object(self):
        return make_unit(kind=OrgUnitKind.TEAM, parent=self.org.city_b)

    def create_data(self):
        return {"name": "New team", "code": "NT-1", "kind": "team", "parent": self.org.city_a.pk}

    def update_data(self):
        return {"name": "Renamed team"}

    def test_r9_2_team_under_team_is_refused_with_field_message(self):
        data = {"name": "Bad", "code": "BAD", "kind": "city", "parent": self.org.team_a.pk}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400
        assert "kind" in response.json()["fields"]

    def test_r9_2_moving_a_city_moves_its_subtree_paths(self):
        with self.in_schema():
            district = make_unit(kind=OrgUnitKind.DISTRICT, parent=self.org.city_a)
            team = make_unit(kind=OrgUnitKind.TEAM, parent=district)
        response = self.client_as(self.writer).patch(
            self.detail_url(district.pk), {"parent": self.org.city_b.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        with self.in_schema():
            team.refresh_from_db()
            assert team.path == f"{self.org.city_b.path}{district.pk}.{team.pk}."
            assert team.depth == 3

    def test_r9_2_unit_cannot_move_under_itself(self):
        response = self.client_as(self.writer).patch(
            self.detail_url(self.org.city_a.pk), {"parent": self.org.team_a.pk}, format="json"
        )
        assert response.status_code == 400
        assert "parent" in response.json()["fields"]

    def test_deleting_a_unit_with_staff_is_a_conflict(self):
        response = self.client_as(self.writer).delete(self.detail_url(self.org.team_a.pk))
        assert response.status_code == 409
        assert response.json()["code"] == "conflict"

    def test_r9_2_supervisor_sees_only_their_subtree(self):
        response = self.client_as(self.org.supervisor_a.user).get(self.base_url)
        names = {row["name"] for row in response.json()["results"]}
        assert names == {"City A", "Team A"}

    def test_r9_2_supervisor_cannot_open_a_unit_outside_their_subtree(self):
        response = self.client_as(self.org.supervisor_a.user).get(
            self.detail_url(self.org.team_b.pk)
        )
        assert response.status_code == 404

    def test_filter_under_a_unit(self):
        response = self.client_as(self.reader).get(self.base_url, {"under": self.org.city_b.pk})
        assert {row["name"] for row in response.json()["results"]} == {"City B", "Team B"}


class TestStaffAPI(_OrgScenario, CRUDTestMixins):
    """R9.2: staff with roles; R2.1.2: mobile numbers masked unless unmask is held."""

    model = Staff
    base_url = "/api/org/staff/"

    def make_object(self):
        return make_staff(self.org.team_b)

    def create_data(self):
        return {
            "username": "zhangsan",
            "password": "Tele-Com-2026!",
            "name": "张三",
            "employee_no": "E-100",
            "org_unit": self.org.team_a.pk,
            "mobile": "+86 139-1234-5678",
            "roles": ["account_manager"],
        }

    def update_data(self):
        return {"title": "Senior account manager"}

    def test_create_normalises_mobile_and_sets_roles(self):
        response = self.client_as(self.writer).post(
            self.base_url, self.create_data(), format="json"
        )
        assert response.status_code == 201, response.content
        with self.in_schema():
            staff = Staff.objects.get(employee_no="E-100")
            assert staff.mobile == "13912345678"
            assert staff.user.role_codes == ["account_manager"]
            assert staff.user.check_password("Tele-Com-2026!")
            assert staff.user.password.startswith("argon2")

    @pytest.mark.parametrize(
        "field, value",
        [("mobile", "12345"), ("roles", ["emperor"]), ("org_unit", 99999), ("password", "123")],
    )
    def test_bad_input_is_a_field_error_and_writes_nothing(self, field, value):
        data = {**self.create_data(), field: value}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"]
        with self.in_schema():
            assert not Staff.objects.filter(employee_no="E-100").exists()

    def test_duplicate_employee_number_is_refused(self):
        data = {**self.create_data(), "employee_no": self.org.manager_a.employee_no}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400
        assert "employee_no" in response.json()["fields"]

    def test_errors_come_in_the_users_language(self):
        client = self.client_as(self.writer)
        data = {**self.create_data(), "mobile": "12345"}
        chinese = client.post(self.base_url, data, format="json").json()
        client.cookies["django_language"] = "en"
        english = client.post(self.base_url, data, format="json").json()
        assert chinese["fields"]["mobile"] != english["fields"]["mobile"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["fields"]["mobile"][0])

    def test_r9_2_supervisor_may_not_grant_province_admin(self):
        data = {**self.create_data(), "roles": ["province_admin"]}
        response = self.client_as(self.org.supervisor_a.user).post(
            self.base_url, data, format="json"
        )
        assert response.status_code == 400
        assert "roles" in response.json()["fields"]

    def test_r9_2_supervisor_may_not_place_staff_outside_their_subtree(self):
        data = {**self.create_data(), "org_unit": self.org.team_b.pk}
        response = self.client_as(self.org.supervisor_a.user).post(
            self.base_url, data, format="json"
        )
        assert response.status_code == 400
        assert "org_unit" in response.json()["fields"]

    def test_r9_2_manager_sees_only_own_team(self):
        response = self.client_as(self.org.manager_a.user).get(self.base_url)
        seen = {row["id"] for row in response.json()["results"]}
        outsider = self.outsider.staff.pk
        assert seen == {self.org.manager_a.pk, self.org.agent_a.pk, outsider}

    def test_r2_1_2_mobile_masked_for_roles_without_unmask(self):
        response = self.client_as(self.org.manager_a.user).get(
            self.detail_url(self.org.manager_a.pk)
        )
        assert response.json()["mobile"] == "138****8000"
        with self.in_schema():
            assert not PersonalDataAccess.objects.exists()

    def test_r2_1_2_unmasked_view_is_audited(self):
        response = self.client_as(self.writer).get(self.base_url)
        mobiles = {row["mobile"] for row in response.json()["results"]}
        assert "13800138000" in mobiles
        with self.in_schema():
            audit = PersonalDataAccess.objects.get()
            assert audit.user == self.writer
            assert audit.object_type == "org.Staff" and audit.fields == ["mobile"]
            assert self.org.manager_a.pk in audit.object_ids

    def test_deactivating_staff_blocks_their_login(self):
        response = self.client_as(self.writer).patch(
            self.detail_url(self.org.manager_a.pk), {"is_active": False}, format="json"
        )
        assert response.status_code == 200
        with self.in_schema():
            self.org.manager_a.user.refresh_from_db()
            assert not self.org.manager_a.user.is_active

    def test_change_history_records_who_changed_what(self):
        self.client_as(self.writer).patch(
            self.detail_url(self.org.manager_b.pk), {"title": "Lead"}, format="json"
        )
        with self.in_schema():
            latest = Staff.history.filter(id=self.org.manager_b.pk).order_by("-history_id")[0]
            assert latest.title == "Lead" and latest.history_user == self.writer
            assert latest.prev_record.title == ""


def test_r9_2_visible_to_inactive_user_is_empty(bj):
    org = make_org()
    user = org.admin.user
    user.is_active = False
    assert not OrgUnit.objects.visible_to(user).exists()
    with in_tenant("bj"):
        assert OrgUnit.objects.visible_to(org.manager_a.user).count() == 1
