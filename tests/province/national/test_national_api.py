"""Province API of national redemption (R6.5.3): the serving desk finds a visiting member,
asks the home province for the points (idempotency key required), follows the status and
hands over; the home province lists its own members' redemptions elsewhere. Permissions by
role, field errors with nothing changed, scoping (R9.2) and province isolation."""

import pytest

from province.national import services
from province.national.models import NationalHold, VisitingRedemption
from province.org.models import OrgUnit
from sync import directory
from sync.models import OutboxMessage
from tests.api import APIResourceTestBase, CreateViewMixin, ListViewMixin, RetrieveViewMixin
from tests.club_scenario import round_trip
from tests.conftest import in_tenant
from tests.factories import make_staff
from tests.national_scenario import bj_member_visiting_sh

URL = "/api/national/visiting/"


def bj_admin():
    """A province administrator of bj (whose org the scenario made)."""
    with in_tenant("bj"):
        return make_staff(OrgUnit.objects.get(parent__isnull=True), ["province_admin"]).user


def _requests() -> tuple[int, int]:
    """(visiting redemptions, request messages) in the current schema."""
    return (
        VisitingRedemption.objects.count(),
        OutboxMessage.objects.filter(topic="redemption.national.request").count(),
    )


class _Visit(APIResourceTestBase):
    schema = "sh"

    def setup_roles(self):
        self.visit = bj_member_visiting_sh()
        self.card = self.visit.member.card_number
        org = self.visit.sh_org
        self.reader = org.auditor.user  # read-only: sees every row, may not redeem
        self.writer = self.visit.desk.user  # the desk (service agent, team A)
        self.outsider = make_staff(org.team_a, roles=[]).user

    def make_object(self):
        entry = directory.find_member(card_number=self.card)
        return services.request_redemption(entry, "umbrella", 1, actor=self.writer)

    def create_data(self) -> dict:
        return {
            "card_number": self.card,
            "item": "umbrella",
            "quantity": 1,
            "idempotency_key": "k1",
        }


class TestVisitingRedemptionAPI(_Visit, ListViewMixin, RetrieveViewMixin, CreateViewMixin):
    model = VisitingRedemption
    base_url = URL

    def test_r6_5_3_retry_with_the_same_key_returns_the_same_redemption(self):
        client = self.client_as(self.writer)
        data = {"card_number": self.card, "item": "umbrella", "quantity": 2}
        first = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="desk-7:0001")
        again = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="desk-7:0001")
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert first.json()["request_id"] == again.json()["request_id"]
        assert first.json()["status"] == "pending" and first.json()["points"] == 1000
        with self.in_schema():
            assert _requests() == (1, 1)  # HQ was asked once

    def test_the_same_key_for_another_redemption_is_a_conflict(self):
        client = self.client_as(self.writer)
        data = {"card_number": self.card, "item": "umbrella", "quantity": 1}
        client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="k-9")
        other = client.post(URL, {**data, "quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="k-9")
        assert other.status_code == 409
        assert other.json()["code"] == "idempotency_key_reused"
        with self.in_schema():
            assert _requests() == (1, 1)

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"idempotency_key": ""}, "idempotency_key"),  # the key is required
            ({"quantity": 0}, "quantity"),
            ({"quantity": "two"}, "quantity"),
            ({"item": "no-such-item"}, "item"),
            ({"card_number": "NOSUCHCARD"}, "card_number"),
            ({"card_number": "", "phone": "13000000000"}, "phone"),
        ],
    )
    def test_bad_input_is_a_field_error_and_changes_nothing(self, change, field):
        response = self.client_as(self.writer).post(
            URL, {**self.create_data(), **change}, format="json"
        )
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"]
        with self.in_schema():
            assert _requests() == (0, 0)

    def test_a_member_of_this_province_is_sent_to_the_points_counter(self, api_client):
        response = api_client("bj", bj_admin()).post(URL, self.create_data(), format="json")
        assert response.status_code == 400 and "card_number" in response.json()["fields"]
        with in_tenant("bj"):
            assert _requests() == (0, 0)

    def test_r6_5_3_the_status_follows_the_saga_to_completed(self, api_client):
        client = self.client_as(self.writer)
        made = client.post(URL, self.create_data(), format="json").json()
        assert client.get(f"{URL}{made['id']}/").json()["status"] == "pending"
        round_trip()
        reserved = client.get(f"{URL}{made['id']}/").json()
        assert reserved["status"] == "reserved" and reserved["status_label"]
        fulfilled = client.post(f"{URL}{made['id']}/fulfil/")
        assert fulfilled.status_code == 200 and fulfilled.json()["status"] == "fulfilled"
        round_trip()
        assert client.get(f"{URL}{made['id']}/").json()["status"] == "completed"
        listed = client.get(URL, {"status": "completed", "home_province": "bj"}).json()
        assert [row["id"] for row in listed["results"]] == [made["id"]]

    def test_a_rejection_reads_with_its_reason(self):
        client = self.client_as(self.writer)
        made = client.post(URL, {**self.create_data(), "quantity": 5}, format="json").json()
        round_trip()  # 2,500 points of 2,000
        row = client.get(f"{URL}{made['id']}/").json()
        assert (row["status"], row["reason"]) == ("rejected", "insufficient_points")
        assert row["reason_text"] and row["reason_text"] != "insufficient_points"
        assert client.post(f"{URL}{made['id']}/fulfil/").status_code == 409

    def test_reader_may_not_hand_over(self):
        with self.in_schema():
            redemption = self.make_object()
        response = self.client_as(self.reader).post(f"{URL}{redemption.pk}/fulfil/")
        assert response.status_code == 403

    def test_r9_2_another_desk_neither_sees_nor_hands_over(self):
        with self.in_schema():
            redemption = self.make_object()
            other_desk = make_staff(self.visit.sh_org.team_b, ["service_agent"]).user
        client = self.client_as(other_desk)
        assert redemption.pk not in [r["id"] for r in client.get(URL).json()["results"]]
        assert client.get(f"{URL}{redemption.pk}/").status_code == 404
        assert client.post(f"{URL}{redemption.pk}/fulfil/").status_code == 404

    def test_bad_month_filter_is_a_field_error(self):
        response = self.client_as(self.reader).get(URL, {"month": "2026-13"})
        assert response.status_code == 400 and "month" in response.json()["fields"]


class TestProvinceIsolation(_Visit):
    """A province reads only its own national redemptions: sh's request is not reachable
    from bj's API, and the home side lists only the home province's own holds."""

    def test_bj_cannot_read_what_sh_served(self, api_client):
        made = self.client_as(self.writer).post(URL, self.create_data(), format="json").json()
        round_trip()
        bj = api_client("bj", bj_admin())
        assert bj.get(URL).json()["results"] == []
        assert bj.get(f"{URL}{made['id']}/").status_code == 404
        assert bj.post(f"{URL}{made['id']}/fulfil/").status_code == 404
        # The home side: bj sees its member's hold, sh none (it is not sh's member).
        holds = bj.get("/api/national/home/").json()["results"]
        assert [h["request_id"] for h in holds] == [made["request_id"]]
        sh_home = self.client_as(self.visit.sh_org.admin.user).get("/api/national/home/")
        assert sh_home.status_code == 200 and sh_home.json()["results"] == []


class TestHomeSideAPI(APIResourceTestBase, ListViewMixin, RetrieveViewMixin):
    """R6.5.3: what bj's ledger did for its members' redemptions elsewhere, scoped like the
    member's other points rows (R9.2)."""

    schema = "bj"
    model = NationalHold
    base_url = "/api/national/home/"

    def setup_roles(self):
        self.visit = bj_member_visiting_sh()
        with in_tenant("bj"):
            member = self.visit.member
            self.manager = member.customer.account_manager.user
            self.org_admin = make_staff(member.customer.org_unit, ["province_admin"]).user
            self.other_manager = make_staff(member.customer.org_unit, ["account_manager"]).user
            self.outsider = make_staff(member.customer.org_unit, roles=[]).user
        self.reader = self.manager
        self.writer = self.org_admin

    def make_object(self):
        with in_tenant("sh"):
            entry = directory.find_member(card_number=self.visit.member.card_number)
            services.request_redemption(entry, "umbrella", 1, actor=self.visit.desk.user)
        round_trip()
        with in_tenant("bj"):
            return NationalHold.objects.get()

    def test_r6_5_3_the_hold_reads_its_status_and_points(self):
        hold = self.make_object()
        row = self.client_as(self.manager).get(f"{self.base_url}{hold.pk}/").json()
        assert (row["status"], row["points"], row["serving_province"]) == ("held", 500, "sh")
        assert row["customer"] == self.visit.member.customer_id
        filtered = self.client_as(self.manager).get(self.base_url, {"status": "captured"})
        assert filtered.json()["results"] == []

    def test_r9_2_another_account_manager_does_not_see_it(self):
        hold = self.make_object()
        client = self.client_as(self.other_manager)
        assert client.get(self.base_url).json()["results"] == []
        assert client.get(f"{self.base_url}{hold.pk}/").status_code == 404

    def test_the_home_side_is_read_only(self):
        hold = self.make_object()
        client = self.client_as(self.org_admin)
        assert client.post(self.base_url, {}, format="json").status_code in (403, 405)
        assert client.delete(f"{self.base_url}{hold.pk}/").status_code in (403, 405)
        with in_tenant("bj"):
            assert list(NationalHold.objects.values_list("pk", "status")) == [(hold.pk, "held")]


class TestDirectoryAndCatalogueAPI(_Visit):
    def test_r6_5_3_look_the_member_up_by_card_or_mobile(self):
        client = self.client_as(self.writer)
        by_card = client.get("/api/national/directory/", {"card_number": self.card})
        by_phone = client.get("/api/national/directory/", {"phone": "13912345678"})
        assert by_card.status_code == by_phone.status_code == 200
        assert by_card.json() == by_phone.json()
        body = by_card.json()
        assert (body["home_province"], body["name_masked"], body["is_local"]) == (
            "bj",
            "张**",
            False,
        )
        assert "张三丰" not in str(body) and "13912345678" not in str(body)

    def test_lookup_errors(self):
        client = self.client_as(self.writer)
        missing = client.get("/api/national/directory/")
        assert missing.status_code == 400 and "card_number" in missing.json()["fields"]
        unknown = client.get("/api/national/directory/", {"card_number": "NOSUCHCARD"})
        assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
        forbidden = self.client_as(self.outsider).get(
            "/api/national/directory/", {"card_number": self.card}
        )
        assert forbidden.status_code == 403

    def test_the_national_catalogue_as_received(self):
        rows = self.client_as(self.writer).get("/api/national/items/").json()["results"]
        assert [(r["code"], r["points_price"], r["unit_cost"]) for r in rows] == [
            ("umbrella", 500, "35.00")
        ]
        assert self.client_as(self.outsider).get("/api/national/items/").status_code == 403
        assert self.client_as(self.writer).post("/api/national/items/", {}).status_code in (
            403,
            405,
        )
