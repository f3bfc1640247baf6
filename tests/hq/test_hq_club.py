"""HQ's club (R11.1): definitions and their publication, the roster and statistics pages
and API, permission checks."""

from datetime import date

import pytest

from hq.club import services
from hq.club.models import ClubRulesVersion, ClubTier
from province.club import services as province_club
from sync.models import OutboxMessage
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay
from tests.conftest import in_tenant
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db


def test_a_level_qualifies_for_one_tier_only():
    from django.core.exceptions import ValidationError

    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        services.save_tier(
            actor=admin, code="a", name_zh="甲", name_en="A", rank=1, levels=["gold"]
        )
        with pytest.raises(ValidationError) as error:
            services.save_tier(
                actor=admin, code="b", name_zh="乙", name_en="B", rank=2, levels=["gold"]
            )
        assert "levels" in error.value.message_dict
        assert ClubTier.objects.count() == 1


def test_publishing_sends_one_versioned_message_per_active_province():
    define_and_publish_club()
    with in_tenant("hq"):
        version = ClubRulesVersion.objects.get()
        assert (version.version, version.provinces) == (1, ["bj", "sh"])
        sent = OutboxMessage.objects.filter(topic="club.rules")
        assert sorted(m.destination for m in sent) == ["bj", "sh"]
        services.publish_rules(actor=None)
        assert ClubRulesVersion.objects.order_by("-version").first().version == 2


def test_publishing_without_tiers_is_a_409(api_client):
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    response = api_client("hq", admin).post("/api/club/versions/")
    assert response.status_code == 409 and response.json()["code"] == "no_tiers"


def _member_with_usage():
    define_and_publish_club(allowance=5)
    with in_tenant("bj"):
        org = make_org()
        (member,) = province_club.enrol(
            [make_member_candidate(org.manager_a)], actor=org.admin.user
        )
        province_club.record_usage(member, "lounge", 2, actor=None, used_on=date(2025, 3, 1))
        province_club.record_usage(member, "lounge", 1, actor=None, used_on=date(2025, 3, 9))
    relay("bj")
    return member


def test_usage_statistics_replace_the_month_total_never_add():
    member = _member_with_usage()
    with in_tenant("hq"):
        from hq.club.models import ClubUsage
        from hq.club.selectors import usage_statistics

        assert ClubUsage.objects.get(card_number=member.card_number).quantity == 3
        analyst = make_user(["hq_analyst"])
        figures = usage_statistics(analyst, 2025)
        assert figures["total_used"] == 3 and figures["by_month"][2] == 3
        assert [(r["province"], r["members"], r["used"]) for r in figures["by_province"]] == [
            ("bj", 1, 3),
            ("sh", 0, 0),
        ]


def test_hq_pages_for_admin_and_analyst(tenant_client):
    member = _member_with_usage()
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        analyst = make_user(["hq_analyst"])
        nobody = make_user([])
    page = tenant_client("hq", admin).get("/club/")
    assert page.status_code == 200 and 'data-tier="platinum"' in page.content.decode()
    roster = tenant_client("hq", analyst).get("/club/roster/?province=bj")
    assert f'data-card="{member.card_number}"' in roster.content.decode()
    stats = tenant_client("hq", analyst).get("/club/statistics/?year=2025")
    assert stats.status_code == 200 and "province-chart" in stats.content.decode()
    export = tenant_client("hq", analyst).get("/club/statistics/?year=2025&format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    # The analyst reads but may not change or publish.
    assert tenant_client("hq", analyst).post("/club/publish/").status_code == 403
    assert tenant_client("hq", analyst).get("/club/tiers/new/").status_code == 403
    for url in ("/club/", "/club/roster/", "/club/statistics/"):
        assert tenant_client("hq", nobody).get(url).status_code == 403


def test_hq_admin_edits_a_tier_through_the_page(tenant_client):
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    client = tenant_client("hq", admin)
    response = client.post(
        "/club/tiers/new/",
        {
            "code": "gold",
            "name_zh": "金卡",
            "name_en": "Gold",
            "rank": 1,
            "levels": ["silver"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with in_tenant("hq"):
        assert ClubTier.objects.get().levels == ["silver"]


def test_hq_api_roster_and_statistics(api_client):
    member = _member_with_usage()
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
        nobody = make_user([])
    client = api_client("hq", analyst)
    rows = client.get("/api/club/members/?home_province=bj").json()["results"]
    assert [r["card_number"] for r in rows] == [member.card_number]
    assert client.get("/api/club/statistics/?year=2025").json()["total_used"] == 3
    assert client.get("/api/club/statistics/").status_code == 400
    assert client.post("/api/club/tiers/", {}).status_code == 403
    assert api_client("hq", nobody).get("/api/club/members/").status_code == 403
    assert api_client("hq", nobody).get("/api/club/statistics/?year=2025").status_code == 403


def test_hq_api_creates_a_tier_with_field_errors(api_client):
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    client = api_client("hq", admin)
    bad = client.post(
        "/api/club/tiers/",
        {"code": "x", "name_zh": "x", "name_en": "x", "rank": 1, "levels": []},
        format="json",
    )
    assert bad.status_code == 400 and "levels" in bad.json()["fields"]
    ok = client.post(
        "/api/club/tiers/",
        {"code": "x", "name_zh": "x", "name_en": "x", "rank": 1, "levels": ["gold"]},
        format="json",
    )
    assert ok.status_code == 201
