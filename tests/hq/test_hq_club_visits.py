"""HQ's page of routed club visits (R11.1 "members are served in every province", R6.5.3):
the visiting-member usage HQ routed between serving and home provinces, filtered, charted
and exported; HQ roles only."""

import io
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook

from hq.club import selectors
from hq.club import services as hq_club
from province.club import services
from sync import directory
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay, round_trip
from tests.conftest import in_tenant
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db


def _route(serving: str, home: str, card: str, used_on: date, quantity: int = 1):
    """A serving province's request as HQ's handler receives it."""
    return hq_club.route_visit_request(
        serving,
        {
            "request_id": str(uuid.uuid4()),
            "card_number": card,
            "home_province": home,
            "benefit": "lounge",
            "quantity": quantity,
            "used_on": used_on.isoformat(),
        },
    )


@pytest.fixture
def visits(db):
    """Four routed visits: sh→bj done (a real round trip), sh→bj refused, bj→sh refused
    (July, July, August) and sh→bj still forwarded (August)."""
    define_and_publish_club(allowance=3)
    with in_tenant("bj"):
        org = make_org()
        (member,) = services.enrol([make_member_candidate(org.manager_a)], actor=org.admin.user)
    relay("bj")
    with in_tenant("sh"):
        desk = make_org().agent_a
        entry = directory.find_member(card_number=member.card_number)
        served = services.request_visit_usage(
            entry, "lounge", 2, actor=desk.user, used_on=date(2025, 7, 1)
        )
    round_trip()
    with in_tenant("hq"):
        rows = {
            "done": str(served.request_id),
            "refused_jul": str(_route("sh", "bj", "1199999999", date(2025, 7, 15)).request_id),
            "refused_aug": str(_route("bj", "sh", "3199999999", date(2025, 8, 3)).request_id),
            "forwarded": str(_route("sh", "bj", member.card_number, date(2025, 8, 10)).request_id),
        }
        analyst = make_user(["hq_analyst"])
    return {"rows": rows, "analyst": analyst, "member": member}


def _requests(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-request="([0-9a-f-]+)"', html))


def test_the_page_lists_every_routed_visit_with_charts(visits, tenant_client):
    client = tenant_client("hq", visits["analyst"])
    client.cookies["django_language"] = "en"
    page = client.get("/club/visits/")
    html = page.content.decode()
    assert page.status_code == 200
    assert _requests(html) == set(visits["rows"].values())
    assert 'id="pair-chart"' in html and 'id="month-chart"' in html
    assert 'data-stat="visits">4<' in html and 'data-stat="refused">2<' in html
    assert "The card is not an active club membership." in html  # the reason, worded
    # The club menu links to it.
    assert 'href="/club/visits/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("month=2025-07", {"done", "refused_jul"}),
        ("serving=bj", {"refused_aug"}),
        ("home=bj&status=refused", {"refused_jul"}),
        ("month=2025-08&status=forwarded", {"forwarded"}),
        ("month=2025-09", set()),
    ],
)
def test_filters_by_month_provinces_and_status(visits, tenant_client, query, expected):
    page = tenant_client("hq", visits["analyst"]).get(f"/club/visits/?{query}")
    assert page.status_code == 200
    assert _requests(page.content.decode()) == {visits["rows"][k] for k in expected}


def test_figures_per_pair_and_per_month(visits):
    with in_tenant("hq"):
        figures = selectors.visit_figures(visits["analyst"], month=date(2025, 8, 1))
        assert [(p["serving"], p["home"], p["visits"]) for p in figures["pairs"]] == [
            ("bj", "sh", 1),
            ("sh", "bj", 1),
        ]
        trend = selectors.visit_figures(visits["analyst"], home="bj", month=date(2025, 8, 1))
        assert [(m["month"], m["visits"], m["quantity"]) for m in trend["months"][-2:]] == [
            ("2025-07", 2, 3),
            ("2025-08", 1, 1),
        ]
        assert len(trend["months"]) == selectors.TREND_MONTHS
        whole = selectors.visit_figures(visits["analyst"])
        (pair,) = [p for p in whole["pairs"] if p["serving"] == "sh"]
        assert (pair["done"], pair["refused"], pair["forwarded"], pair["quantity"]) == (
            1,
            1,
            1,
            4,
        )


def test_a_bad_filter_is_a_field_error_and_lists_nothing(visits, tenant_client):
    client = tenant_client("hq", visits["analyst"])
    for query in ("month=2025-13", "serving=xx", "status=lost", "month=2025-13&format=xlsx"):
        page = client.get(f"/club/visits/?{query}")
        assert page.status_code == 400, query
        assert "is-invalid" in page.content.decode()
        assert not _requests(page.content.decode())


def test_export_holds_the_filtered_rows_and_the_figures(visits, tenant_client):
    client = tenant_client("hq", visits["analyst"])
    client.cookies["django_language"] = "en"
    export = client.get("/club/visits/?month=2025-07&format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="club-visits-2025-07.xlsx"' in export["Content-Disposition"]
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Routed visits", "By serving and home province", "By month"]
    lines = list(book["Routed visits"].iter_rows(values_only=True))
    assert lines[0][0] == "Used on"
    assert {line[10] for line in lines[1:]} == {
        visits["rows"]["done"],
        visits["rows"]["refused_jul"],
    }
    csv = client.get("/club/visits/?serving=bj&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert visits["rows"]["refused_aug"] in csv.content.decode("utf-8-sig")


def test_hq_roles_only(visits, tenant_client):
    """Analysts and administrators read it; other HQ users get 403, anonymous users sign in;
    a province has no such page (its data reaches HQ only as sync messages)."""
    with in_tenant("hq"):
        nobody = make_user([])
        admin = make_user(["hq_admin"])
    assert tenant_client("hq", admin).get("/club/visits/").status_code == 200
    assert tenant_client("hq", nobody).get("/club/visits/").status_code == 403
    assert tenant_client("hq", nobody).get("/club/visits/?format=xlsx").status_code == 403
    assert tenant_client("hq").get("/club/visits/").status_code == 302
    with in_tenant("bj"):
        province_admin = make_user(["province_admin"])
    client = tenant_client("bj", province_admin)
    assert client.get("/club/visits/").status_code == 404
    assert client.get("/club/visits/?format=xlsx").status_code == 404
