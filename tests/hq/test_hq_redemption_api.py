"""HQ API of national redemption (R6.5.3, R2.4.9): the national catalogue (writes through
the services, publish), the record of national redemptions with its filters, and the
monthly inter-province settlement. HQ administrators write, analysts read."""

from decimal import Decimal

import pytest
from django.utils import timezone

from hq.redemption import selectors
from hq.redemption.models import NationalCatalogVersion, NationalRedemption, NationalRewardItem
from province.national import services as national_services
from province.national.models import NationalItem
from sync import directory
from tests.api import (
    APIResourceTestBase,
    CreateViewMixin,
    ListViewMixin,
    RetrieveViewMixin,
    UpdateViewMixin,
)
from tests.club_scenario import relay, round_trip
from tests.conftest import in_tenant
from tests.factories import make_user
from tests.national_scenario import bj_member_visiting_sh

MONTH = f"{timezone.localdate():%Y-%m}"


class _HQ(APIResourceTestBase):
    schema = "hq"

    def setup_roles(self):
        self.visit = bj_member_visiting_sh()
        self.writer = self.visit.hq_admin
        self.reader = make_user(["hq_analyst"])
        self.outsider = make_user([])

    def redeem_in_sh(self, quantity=2, *, commit=True):
        """A bj member redeems ``quantity`` umbrellas in sh, handed over if ``commit``."""
        with in_tenant("sh"):
            entry = directory.find_member(card_number=self.visit.member.card_number)
            made = national_services.request_redemption(
                entry, "umbrella", quantity, actor=self.visit.desk.user
            )
        round_trip()
        if commit:
            with in_tenant("sh"):
                made.refresh_from_db()
                national_services.fulfil(made, actor=self.visit.desk.user)
            round_trip()
        return made


class TestNationalItemAPI(_HQ, ListViewMixin, RetrieveViewMixin, CreateViewMixin, UpdateViewMixin):
    model = NationalRewardItem
    base_url = "/api/redemption/items/"

    def make_object(self):
        return NationalRewardItem.objects.get(code="umbrella")

    def create_data(self):
        return {
            "code": "mug",
            "name_zh": "杯子",
            "name_en": "Mug",
            "kind": "gift",
            "points_price": 200,
            "unit_cost": "12.50",
        }

    def update_data(self):
        return {"name_en": "Folding umbrella", "unit_cost": "36.00"}

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"points_price": 0}, "points_price"),
            ({"unit_cost": "-1.00"}, "unit_cost"),
            ({"kind": "car"}, "kind"),
            ({"code": "umbrella"}, "code"),  # taken
        ],
    )
    def test_bad_item_is_a_field_error_and_changes_nothing(self, change, field):
        response = self.client_as(self.writer).post(
            self.base_url, {**self.create_data(), **change}, format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"]
        with self.in_schema():
            assert list(NationalRewardItem.objects.values_list("code", flat=True)) == ["umbrella"]

    def test_the_code_of_an_item_cannot_change(self):
        with self.in_schema():
            item = self.make_object()
        response = self.client_as(self.writer).patch(
            self.detail_url(item.pk), {"code": "brolly"}, format="json"
        )
        assert response.status_code == 400 and "code" in response.json()["fields"]
        with self.in_schema():
            item.refresh_from_db()
            assert item.code == "umbrella"

    def test_r6_5_3_publishing_sends_the_change_to_the_provinces(self):
        client = self.client_as(self.writer)
        client.patch(self.detail_url(self._umbrella()), self.update_data(), format="json")
        assert self.client_as(self.reader).post("/api/redemption/versions/").status_code == 403
        published = client.post("/api/redemption/versions/")
        assert published.status_code == 201 and published.json()["version"] == 2
        assert set(published.json()["provinces"]) >= {"bj", "sh"}
        relay("hq")
        with in_tenant("sh"):
            item = NationalItem.objects.get(code="umbrella")
            assert (item.version, item.unit_cost) == (2, Decimal("36.00"))
        versions = self.client_as(self.reader).get("/api/redemption/versions/").json()
        assert [v["version"] for v in versions["results"]] == [2, 1]
        with self.in_schema():
            assert NationalCatalogVersion.objects.count() == 2

    def _umbrella(self) -> int:
        with self.in_schema():
            return self.make_object().pk


class TestNationalRedemptionAPI(_HQ, ListViewMixin, RetrieveViewMixin):
    model = NationalRedemption
    base_url = "/api/redemption/redemptions/"

    def make_object(self):
        made = self.redeem_in_sh(commit=False)
        with in_tenant("hq"):
            return NationalRedemption.objects.get(request_id=made.request_id)

    def test_records_are_read_only(self):
        with self.in_schema():
            row = self.make_object()
        client = self.client_as(self.writer)
        assert client.post(self.base_url, {}, format="json").status_code in (403, 405)
        assert client.patch(self.detail_url(row.pk), {"status": "committed"}).status_code in (
            403,
            405,
        )
        with self.in_schema():
            row.refresh_from_db()
            assert row.status == "reserved"

    def test_r6_5_3_filters_by_month_province_and_status(self):
        committed = self.redeem_in_sh(quantity=1)
        self.redeem_in_sh(quantity=1, commit=False)
        client = self.client_as(self.reader)

        def request_ids(**query) -> list[str]:
            response = client.get(self.base_url, query)
            assert response.status_code == 200, response.content
            return [row["request_id"] for row in response.json()["results"]]

        assert len(request_ids(month=MONTH, home_province="bj", serving_province="sh")) == 2
        assert request_ids(status="committed") == [str(committed.request_id)]
        assert request_ids(settlement_month=MONTH) == [str(committed.request_id)]
        assert len(request_ids(province="sh")) == 2
        assert request_ids(home_province="sh") == [] and request_ids(month="2001-01") == []

    @pytest.mark.parametrize(
        "query", [{"month": "2026-13"}, {"settlement_month": "May"}, {"status": "lost"}]
    )
    def test_bad_filter_is_a_field_error(self, query):
        response = self.client_as(self.reader).get(self.base_url, query)
        assert response.status_code == 400 and set(query) <= set(response.json()["fields"])


class TestSettlementAPI(_HQ):
    URL = "/api/redemption/settlement/"

    def test_r2_4_9_what_each_home_province_owes_each_serving_province(self):
        self.redeem_in_sh(quantity=2)
        self.redeem_in_sh(quantity=1)
        self.redeem_in_sh(quantity=1, commit=False)  # reserved only: not a settlement line
        body = self.client_as(self.reader).get(self.URL, {"month": MONTH}).json()
        assert body["month"] == MONTH and body["total"] == "105.00"
        (line,) = body["lines"]
        assert (line["home_province"], line["serving_province"]) == ("bj", "sh")
        assert (line["amount"], line["redemptions"], line["points"]) == ("105.00", 2, 1500)
        assert body["owed_by"][0]["province"] == "bj" and body["owed_to"][0]["amount"] == "105.00"
        with in_tenant("hq"):
            expected = selectors.settlement(timezone.localdate().replace(day=1))
        assert Decimal(body["total"]) == expected.total == expected.owed("bj", "sh")
        assert self.client_as(self.reader).get(self.URL).json()["month"] == MONTH  # default

    def test_another_month_is_empty_and_bad_months_are_field_errors(self):
        self.redeem_in_sh()
        client = self.client_as(self.reader)
        empty = client.get(self.URL, {"month": "2001-01"}).json()
        assert (empty["total"], empty["lines"]) == ("0.00", [])
        for bad in ("2026-13", "last month"):
            response = client.get(self.URL, {"month": bad})
            assert response.status_code == 400 and "month" in response.json()["fields"]

    def test_permissions(self):
        assert self.client_as(self.outsider).get(self.URL).status_code == 403
        assert self.api_client("hq").get(self.URL).status_code in (401, 403)
        assert self.client_as(self.writer).get(self.URL).status_code == 200
