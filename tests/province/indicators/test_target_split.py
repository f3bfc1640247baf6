"""Targets below the province (R4.2.2–R4.2.3): a province splits the share HQ assigned it
over its org units, level by level, with the sum checked against the parent as HQ checks
its split over the provinces; the page shows completion per unit where the indicator
follows customers; the API reads the split; one province never sees another's split."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hq.indicators import services as hq_services
from province.indicators import services
from province.indicators.models import ProvinceTarget, UnitTarget
from sync.relay import relay_all
from tests.api import APIResourceTestBase, ListViewMixin, RetrieveViewMixin
from tests.conftest import in_tenant
from tests.factories import make_org
from tests.province.indicators.indicator_scenarios import OCTOBER, beijing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SEPTEMBER = date(2026, 9, 1)


def assign(code="REV-AUT", indicator="KC_REVENUE", value="3000", additive=True):
    """What ``targets.assigned`` from HQ leaves in the province (September–October 2026)."""
    return services.apply_target(
        {
            "target": code,
            "name": "Autumn revenue",
            "indicator": indicator,
            "period_start": "2026-09",
            "period_end": "2026-10",
            "national_value": "10000",
            "value": value,
            "additive": additive,
        }
    )


def shares(target) -> dict[str, Decimal]:
    return {s.org_unit.name: s.value for s in UnitTarget.objects.filter(target=target)}


def test_the_split_must_add_up_to_the_province_target_r4_2_2(bj):
    """R4.2.2: over the cities, the shares add up to bj's 3000 exactly: more or less is
    refused with the difference, a negative share or a unit not directly under the parent
    is a field error; nothing is written on any error."""
    org = make_org()
    target = assign()
    a, b = org.city_a.pk, org.city_b.pk
    with pytest.raises(ValidationError) as error:
        services.split_target(target, org.root, {a: "2500", b: "1000"})
    assert "500 more than the province's target (3000)" in error.value.message_dict["shares"][0]
    with pytest.raises(ValidationError) as error:
        services.split_target(target, org.root, {a: "1000", b: "1000"})
    assert "1000 is left to assign" in error.value.message_dict["shares"][0]
    with pytest.raises(ValidationError) as error:
        services.split_target(target, org.root, {a: "-5", org.team_a.pk: "5"})
    assert set(error.value.message_dict) == {f"unit_{a}", f"unit_{org.team_a.pk}"}
    assert not UnitTarget.objects.exists()

    result = services.split_target(target, org.root, {a: "2000", b: "1000"})
    assert shares(target) == {"City A": Decimal(2000), "City B": Decimal(1000)}
    assert result.cleared == []


def test_a_unit_share_is_split_further_and_cleared_when_it_changes_r4_2_2(bj):
    """R4.2.2 province → city → team: a city's share is split over its teams against the
    city's value; a unit with no share cannot be split; changing a city's share drops the
    split below it (it no longer adds up)."""
    org = make_org()
    target = assign()
    with pytest.raises(ValidationError) as error:
        services.split_target(target, org.city_a, {org.team_a.pk: "2000"})
    assert "parent" in error.value.message_dict
    services.split_target(target, org.root, {org.city_a.pk: "2000", org.city_b.pk: "1000"})
    with pytest.raises(ValidationError) as error:
        services.split_target(target, org.city_a, {org.team_a.pk: "2100"})
    assert "the share of City A (2000)" in error.value.message_dict["shares"][0]
    services.split_target(target, org.city_a, {org.team_a.pk: "2000"})
    assert shares(target)["Team A"] == Decimal(2000)
    result = services.split_target(target, org.root, {org.city_a.pk: "2000", org.city_b.pk: "1000"})
    assert result.cleared == [] and "Team A" in shares(target)  # unchanged: kept
    result = services.split_target(target, org.root, {org.city_a.pk: "1500", org.city_b.pk: "1500"})
    assert [unit.name for unit in result.cleared] == ["City A"]
    assert shares(target) == {"City A": Decimal(1500), "City B": Decimal(1500)}


def test_a_rate_target_is_split_without_a_sum_check_r4_2_2(bj):
    """As at HQ: a non-additive indicator (a rate) takes any per-unit values."""
    org = make_org()
    target = assign(code="CHURN", indicator="KC_CHURN_RATE", value="2", additive=False)
    services.split_target(target, org.root, {org.city_a.pk: "1.5", org.city_b.pk: "3"})
    assert shares(target) == {"City A": Decimal("1.5"), "City B": Decimal(3)}


def test_hq_tells_the_province_whether_its_target_adds_up_r4_2_2():
    """The ``targets.assigned`` payload carries HQ's consolidation (R4.2.2 sums)."""
    with in_tenant("hq"):
        for code, indicator, bj_value in (
            ("REV", "KC_REVENUE", "6000"),
            ("ARPU", "KC_ARPU", "800"),
        ):
            hq_services.create_target(
                code=code,
                name=code,
                indicator=indicator,
                period_start=OCTOBER,
                period_end=OCTOBER,
                national_value="10000" if code == "REV" else "700",
                assignments={"bj": bj_value, "sh": "4000" if code == "REV" else "600"},
            )
        relay_all()
    with in_tenant("bj"):
        assert ProvinceTarget.objects.get(code="REV").additive is True
        assert ProvinceTarget.objects.get(code="ARPU").additive is False


def test_split_page_edits_and_shows_completion_per_unit_r4_2_3(tenant_client):
    """R4.2.3: revenue follows the customers' account managers: City A (c1, c2) earned
    800 + 1500 = 2300 in September–October against 2000 → 115.00 %; City B (c3) 200
    against 1000 → 20.00 %. Only administrators save; a bad split is a 400 that keeps
    the old split."""
    with in_tenant("bj"):
        org = beijing()
        target = assign()
        services.compute_indicators(SEPTEMBER)
        services.compute_indicators(OCTOBER)
    url = f"/indicators/targets/{target.code}/"
    admin = tenant_client("bj", org.admin.user)
    admin.cookies["django_language"] = "en"
    form = {"unit": org.root.pk, f"unit_{org.city_a.pk}": "2000", f"unit_{org.city_b.pk}": "1000"}
    bad = admin.post(url, {**form, f"unit_{org.city_b.pk}": "1200"})
    assert bad.status_code == 400 and "200 more than" in bad.content.decode()
    assert admin.post(url, form).status_code == 302
    auditor = tenant_client("bj", org.auditor.user)
    assert auditor.post(url, {**form, f"unit_{org.city_a.pk}": "1"}).status_code == 403
    page = auditor.get(url)
    assert page.status_code == 200
    rows = {row.unit.name: row for row, _field in page.context["rows"]}
    assert (rows["City A"].actual, rows["City A"].completion) == (Decimal(2300), Decimal("115.00"))
    assert (rows["City B"].actual, rows["City B"].completion) == (Decimal(200), Decimal("20.00"))
    assert page.context["per_unit"] is True and page.context["assigned"] == Decimal(3000)
    assert page.context["province_completion"][0] == Decimal("83.33")  # 2500 / 3000
    drill = auditor.get(f"{url}?unit={org.city_a.pk}")
    assert drill.status_code == 200 and [r.unit.name for r, _f in drill.context["rows"]] == [
        "Team A"
    ]
    assert tenant_client("bj", org.manager_a.user).get(url).status_code == 403


def test_a_province_never_sees_another_province_split_r4_2_2(tenant_client, api_client):
    """Isolation: bj's split is not on sh's host, by page or API, even for a target with
    the same code in sh."""
    with in_tenant("bj"):
        bj_org = make_org()
        target = assign()
        services.split_target(
            target, bj_org.root, {bj_org.city_a.pk: "2000", bj_org.city_b.pk: "1000"}
        )
    with in_tenant("sh"):
        sh_org = make_org()
    sh_admin = sh_org.admin.user
    assert tenant_client("sh", sh_admin).get("/indicators/targets/REV-AUT/").status_code == 404
    assert api_client("sh", sh_admin).get("/api/indicators/unit-targets/").json()["results"] == []
    with in_tenant("sh"):
        assign(value="500")
    page = tenant_client("sh", sh_admin).get("/indicators/targets/REV-AUT/")
    assert page.status_code == 200 and page.context["assigned"] == 0
    rows = api_client("sh", sh_admin).get("/api/indicators/unit-targets/?target=REV-AUT")
    assert rows.json()["results"] == []


class TestUnitTargetAPI(APIResourceTestBase, ListViewMixin, RetrieveViewMixin):
    """R4.2.2: the split, read-only, for the roles that see the province's targets."""

    base_url = "/api/indicators/unit-targets/"

    def setup_roles(self):
        self.org = make_org()
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = self.org.manager_a.user  # no province-wide figures (R9.2)
        self.target = assign()

    def make_object(self):
        services.split_target(
            self.target, self.org.root, {self.org.city_a.pk: "2000", self.org.city_b.pk: "1000"}
        )
        return UnitTarget.objects.get(org_unit=self.org.city_a)

    def test_r4_2_2_filters_by_target_and_parent(self):
        with self.in_schema():
            self.make_object()
            services.split_target(self.target, self.org.city_a, {self.org.team_a.pk: "2000"})
        client = self.client_as(self.reader)
        rows = client.get(f"{self.base_url}?target=REV-AUT&parent={self.org.root.pk}").json()
        assert sorted((r["org_unit_name"], r["value"]) for r in rows["results"]) == [
            ("City A", "2000.0000"),
            ("City B", "1000.0000"),
        ]
        assert client.get(f"{self.base_url}?target=%00").status_code == 400  # bad input
        (team,) = client.get(f"{self.base_url}?parent={self.org.city_a.pk}").json()["results"]
        assert (team["target"], team["parent_unit"]) == ("REV-AUT", self.org.city_a.pk)
        patch = self.client_as(self.writer).patch(
            self.detail_url(team["id"]), {"value": "1"}, format="json"
        )
        assert patch.status_code in (403, 405)
