"""The customer master through the API (R2.1.1, R2.1.2): CRUD, validation, duplicates,
search, scoping, masking, transfer and history."""

import pytest

from province.customers.choices import CustomerStatus
from province.customers.models import Customer
from shared.accounts.models import PersonalDataAccess
from tests.api import APIResourceTestBase, CRUDTestMixins
from tests.factories import (
    VALID_RESIDENT_IDS,
    VALID_USCCS,
    make_customer,
    make_org,
    make_staff,
)


class _CustomerScenario(APIResourceTestBase):
    def setup_roles(self):
        self.org = make_org()
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = make_staff(self.org.team_a, roles=[]).user
        self.mine = make_customer(self.org.manager_a, name="甲公司", certificate_no=VALID_USCCS[0])
        self.theirs = make_customer(self.org.manager_b, name="乙公司")


class TestCustomerAPI(_CustomerScenario, CRUDTestMixins):
    model = Customer
    base_url = "/api/customers/"

    def make_object(self):
        return make_customer(self.org.manager_b)

    def create_data(self):
        return {
            "type": "enterprise",
            "name": "丙科技有限公司",
            "certificate_no": VALID_USCCS[1],
            "industry": "I",
            "city": "北京",
            "phone": "139 1111 2222",
            "account_manager": self.org.manager_a.pk,
        }

    def update_data(self):
        return {"address": "北京市海淀区中关村大街1号"}

    def test_r2_1_1_created_customer_gets_number_unit_and_normalised_fields(self):
        response = self.client_as(self.writer).post(
            self.base_url, self.create_data(), format="json"
        )
        assert response.status_code == 201, response.content
        with self.in_schema():
            customer = Customer.objects.get(pk=response.json()["id"])
        assert customer.number == f"11{customer.pk:010d}"  # province code + own id
        assert customer.org_unit_id == self.org.team_a.pk
        assert customer.certificate_type == "uscc" and customer.phone == "13911112222"

    @pytest.mark.parametrize(
        "field, value",
        [
            ("certificate_no", VALID_USCCS[1][:-1] + "0"),  # wrong check character
            ("certificate_no", "123"),
            ("phone", "12345678901"),
            ("type", "alien"),
            ("industry", "Z"),
        ],
    )
    def test_r2_1_1_bad_input_is_a_field_error_and_writes_nothing(self, field, value):
        data = {**self.create_data(), field: value}
        with self.in_schema():
            before = Customer.objects.count()
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"]
        with self.in_schema():
            assert Customer.objects.count() == before

    def test_r2_1_1_individual_needs_a_resident_id(self):
        data = {**self.create_data(), "type": "individual", "certificate_no": VALID_USCCS[2]}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400
        data["certificate_no"] = VALID_RESIDENT_IDS[0]
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["certificate_type"] == "resident_id"

    def test_r2_1_1_duplicate_certificate_is_409_with_link(self):
        data = {**self.create_data(), "certificate_no": VALID_USCCS[0]}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "duplicate_certificate"
        assert body["link"] == f"/customers/{self.mine.pk}/"
        assert self.mine.number in body["fields"]["certificate_no"][0]

    def test_r9_2_manager_sees_only_own_customers(self):
        response = self.client_as(self.org.manager_a.user).get(self.base_url)
        assert [row["id"] for row in response.json()["results"]] == [self.mine.pk]
        other = self.client_as(self.org.manager_a.user).get(self.detail_url(self.theirs.pk))
        assert other.status_code == 404

    def test_r9_2_supervisor_sees_the_subtree(self):
        response = self.client_as(self.org.supervisor_a.user).get(self.base_url)
        assert {row["id"] for row in response.json()["results"]} == {self.mine.pk}
        everything = self.client_as(self.writer).get(self.base_url)
        assert {row["id"] for row in everything.json()["results"]} == {self.mine.pk, self.theirs.pk}

    def test_manager_cannot_assign_a_customer_to_someone_outside_their_reach(self):
        data = {**self.create_data(), "account_manager": self.org.manager_b.pk}
        response = self.client_as(self.org.manager_a.user).post(self.base_url, data, format="json")
        assert response.status_code == 400
        assert "account_manager" in response.json()["fields"]

    @pytest.mark.parametrize(
        "query, expected",
        [("甲", "mine"), (VALID_USCCS[0], "mine"), ("139-0013-9000", "both"), ("乙公司", "theirs")],
    )
    def test_r2_1_2_search_by_name_certificate_phone(self, query, expected):
        response = self.client_as(self.writer).get(self.base_url, {"q": query})
        ids = {row["id"] for row in response.json()["results"]}
        wanted = {"mine": {self.mine.pk}, "theirs": {self.theirs.pk}}.get(
            expected, {self.mine.pk, self.theirs.pk}
        )
        assert ids == wanted

    def test_r2_1_2_search_by_number_and_contact_phone(self):
        from province.customers.services import save_contact

        with self.in_schema():
            save_contact(self.theirs, name="王经理", role="finance", mobile="13712345678")
        by_number = self.client_as(self.writer).get(self.base_url, {"q": self.mine.number})
        assert [r["id"] for r in by_number.json()["results"]] == [self.mine.pk]
        by_contact = self.client_as(self.writer).get(self.base_url, {"q": "13712345678"})
        assert [r["id"] for r in by_contact.json()["results"]] == [self.theirs.pk]

    def test_r2_1_2_personal_data_masked_for_manager_audited_for_admin(self):
        with self.in_schema():
            person = make_customer(
                self.org.manager_a,
                type="individual",
                name="张三",
                certificate_no=VALID_RESIDENT_IDS[1],
            )
        masked = self.client_as(self.org.manager_a.user).get(self.detail_url(person.pk)).json()
        assert masked["certificate_no"] == "110101********4477"
        assert masked["phone"] == "139****9000"
        with self.in_schema():
            assert not PersonalDataAccess.objects.exists()
        clear = self.client_as(self.writer).get(self.detail_url(person.pk)).json()
        assert clear["certificate_no"] == VALID_RESIDENT_IDS[1]
        with self.in_schema():
            audit = PersonalDataAccess.objects.get(object_type="customers.Customer")
            assert audit.object_ids == [person.pk]
            assert audit.fields == ["certificate_no", "phone"]

    def test_r2_1_2_transfer_moves_customers_and_records_history(self):
        response = self.client_as(self.writer).post(
            f"{self.base_url}transfer/",
            {"customers": [self.mine.pk], "to_manager": self.org.manager_b.pk, "reason": "调岗"},
            format="json",
        )
        assert response.status_code == 200, response.content
        with self.in_schema():
            self.mine.refresh_from_db()
            assert self.mine.account_manager == self.org.manager_b
            assert self.mine.org_unit == self.org.team_b
        history = self.client_as(self.writer).get(self.detail_url(self.mine.pk) + "history/").json()
        latest = history[0]
        assert latest["reason"] == "调岗"
        changed = {c["field"]: (c["old"], c["new"]) for c in latest["changes"]}
        assert changed["account_manager"] == (str(self.org.manager_a), str(self.org.manager_b))

    def test_r2_1_2_transfer_is_all_or_nothing(self):
        response = self.client_as(self.org.supervisor_a.user).post(
            f"{self.base_url}transfer/",
            {
                "customers": [self.mine.pk, self.theirs.pk],
                "to_manager": self.org.manager_a.pk,
                "reason": "x",
            },
            format="json",
        )
        assert response.status_code == 400
        with self.in_schema():
            self.theirs.refresh_from_db()
            assert self.theirs.account_manager == self.org.manager_b

    def test_transfer_needs_the_permission(self):
        response = self.client_as(self.org.manager_a.user).post(
            f"{self.base_url}transfer/",
            {"customers": [self.mine.pk], "to_manager": self.org.manager_a.pk, "reason": "x"},
            format="json",
        )
        assert response.status_code == 403

    def test_r2_1_2_history_records_every_change_with_before_and_after(self):
        self.client_as(self.writer).patch(
            self.detail_url(self.mine.pk), {"status": "suspended"}, format="json"
        )
        history = self.client_as(self.writer).get(self.detail_url(self.mine.pk) + "history/").json()
        assert history[0]["user"] == str(self.writer)
        status = next(c for c in history[0]["changes"] if c["field"] == "status")
        assert (status["old"], status["new"]) == (
            str(CustomerStatus.ACTIVE.label),
            str(CustomerStatus.SUSPENDED.label),
        )
        assert history[-1]["kind"] == "created"

    def test_group_hierarchy_only_under_group_customers(self):
        with self.in_schema():
            group = make_customer(self.org.manager_a, type="group", name="集团总部")
        ok = self.client_as(self.writer).patch(
            self.detail_url(self.theirs.pk), {"parent": group.pk}, format="json"
        )
        assert ok.status_code == 200
        bad = self.client_as(self.writer).patch(
            self.detail_url(self.mine.pk), {"parent": self.theirs.pk}, format="json"
        )
        assert bad.status_code == 400 and "parent" in bad.json()["fields"]

    def test_deleting_a_customer_with_accounts_is_a_conflict(self):
        from tests.factories import make_account

        with self.in_schema():
            make_account(self.mine)
        assert self.client_as(self.writer).delete(self.detail_url(self.mine.pk)).status_code == 409


def test_r2_1_2_bills_and_payments_follow_customer_visibility(bj, api_client):
    from datetime import date

    from tests.factories import make_account, make_bill

    org = make_org()
    mine = make_customer(org.manager_a)
    theirs = make_customer(org.manager_b)
    make_bill(make_account(mine), date(2026, 9, 1), 500)
    make_bill(make_account(theirs), date(2026, 9, 1), 700)
    rows = api_client("bj", org.manager_a.user).get("/api/customers/bills/").json()["results"]
    assert [r["customer"] for r in rows] == [mine.pk]
