"""Province club pages and API (R11.1, R9.2): permission-checked, scoped by visibility,
and sh never sees bj's club data through its own pages."""

from datetime import date

import pytest

from province.club import services
from province.club.models import BenefitUsage, ClubMembership, VisitingUsage
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay, round_trip
from tests.conftest import in_tenant
from tests.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    define_and_publish_club(allowance=2)
    with in_tenant("bj"):
        bj_org = make_org()
        mine = make_member_candidate(bj_org.manager_a, name="甲公司", phone="13911112222")
        theirs = make_member_candidate(bj_org.manager_b, name="乙公司")
        (member,) = services.enrol([mine], actor=bj_org.admin.user)
    with in_tenant("sh"):
        sh_org = make_org()
    relay("bj")
    return {"bj": bj_org, "sh": sh_org, "member": member, "theirs": theirs}


def test_members_and_eligible_pages_are_scoped(world, tenant_client):
    bj = world["bj"]
    page = tenant_client("bj", bj.manager_a.user).get("/club/")
    assert f'data-card="{world["member"].card_number}"' in page.content.decode()
    other = tenant_client("bj", bj.manager_b.user).get("/club/")
    assert world["member"].card_number not in other.content.decode()
    eligible = tenant_client("bj", bj.manager_b.user).get("/club/eligible/").content.decode()
    assert f'data-customer="{world["theirs"].number}"' in eligible
    assert tenant_client("bj", bj.auditor.user).get("/club/eligible/").status_code == 403


def test_enrol_from_the_page(world, tenant_client):
    bj = world["bj"]
    response = tenant_client("bj", bj.manager_b.user).post(
        "/club/eligible/", {"customer": [world["theirs"].pk]}
    )
    assert response.status_code == 302
    with in_tenant("bj"):
        assert ClubMembership.objects.filter(customer=world["theirs"]).exists()


def test_member_page_records_usage_and_shows_the_refusal(world, tenant_client):
    bj, member = world["bj"], world["member"]
    client = tenant_client("bj", bj.manager_a.user)
    url = f"/club/members/{member.pk}/"
    today = date.today().isoformat()
    assert (
        client.post(url, {"benefit": "lounge", "quantity": 2, "used_on": today}).status_code == 302
    )
    refused = client.post(url, {"benefit": "lounge", "quantity": 1, "used_on": today})
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    with in_tenant("bj"):
        assert BenefitUsage.objects.count() == 1
    assert tenant_client("bj", bj.manager_b.user).get(url).status_code == 404


def test_api_usage_refusal_is_409_and_writes_nothing(world, api_client):
    bj, member = world["bj"], world["member"]
    client = api_client("bj", bj.manager_a.user)
    ok = client.post(
        "/api/club/usages/", {"membership": member.pk, "benefit": "lounge", "quantity": 2}
    )
    assert ok.status_code == 201, ok.json()
    refused = client.post(
        "/api/club/usages/", {"membership": member.pk, "benefit": "lounge", "quantity": 1}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "allowance_exhausted"
    with in_tenant("bj"):
        assert BenefitUsage.objects.count() == 1
    # Another manager cannot name a member they do not see.
    other = api_client("bj", bj.manager_b.user).post(
        "/api/club/usages/", {"membership": member.pk, "benefit": "lounge", "quantity": 1}
    )
    assert other.status_code == 400


def test_api_enrol_and_status(world, api_client):
    bj = world["bj"]
    client = api_client("bj", bj.manager_b.user)
    made = client.post("/api/club/memberships/", {"customers": [world["theirs"].pk]}, format="json")
    assert made.status_code == 201
    pk = made.json()[0]["id"]
    assert client.post(f"/api/club/memberships/{pk}/suspend/").json()["status"] == "suspended"
    assert client.post(f"/api/club/memberships/{pk}/suspend/").status_code == 409
    assert (
        api_client("bj", bj.agent_a.user).post(f"/api/club/memberships/{pk}/end/").status_code
        == 403
    )


def test_visiting_member_page_in_sh_serves_a_bj_member(world, tenant_client):
    sh, member = world["sh"], world["member"]
    client = tenant_client("sh", sh.agent_a.user)
    found = client.get("/club/visiting/?q=13911112222")
    body = found.content.decode()
    assert f'data-card="{member.card_number}"' in body and 'data-home="bj"' in body
    assert "甲公司" not in body and "甲**" in body  # masked name only
    sent = client.post(
        f"/club/visiting/?q={member.card_number}",
        {"benefit": "lounge", "quantity": 1, "used_on": date.today().isoformat()},
    )
    assert sent.status_code == 302
    assert "text-bg-warning" in client.get("/club/visiting/status/").content.decode()
    round_trip()
    assert "text-bg-success" in client.get("/club/visiting/status/").content.decode()
    missing = client.get("/club/visiting/?q=1100009999").content.decode()
    assert 'id="not-found"' in missing


def test_api_directory_and_visit(world, api_client):
    sh, member = world["sh"], world["member"]
    client = api_client("sh", sh.agent_a.user)
    entry = client.get(f"/api/club/directory/?card_number={member.card_number}").json()
    assert (entry["home_province"], entry["tier"]) == ("bj", "platinum")
    assert client.get("/api/club/directory/?phone=13900000001").status_code == 404
    bad = client.get("/api/club/directory/?card_number=11%00")  # found by schemathesis
    assert bad.status_code == 400 and "card_number" in bad.json()["fields"]
    visit = client.post(
        "/api/club/visits/", {"phone": "13911112222", "benefit": "lounge", "quantity": 5}
    )
    assert visit.status_code == 201 and visit.json()["status"] == "pending"
    round_trip()
    rows = client.get("/api/club/visits/").json()["results"]
    assert (rows[0]["status"], rows[0]["reason"]) == ("refused", "allowance_exhausted")
    with in_tenant("sh"):
        assert VisitingUsage.objects.count() == 1


def test_sh_never_sees_bj_club_data_through_its_own_pages(world, tenant_client, api_client):
    sh, member = world["sh"], world["member"]
    admin = sh.admin.user
    assert member.card_number not in tenant_client("sh", admin).get("/club/").content.decode()
    assert api_client("sh", admin).get("/api/club/memberships/").json()["results"] == []
    assert tenant_client("sh", admin).get(f"/club/members/{member.pk}/").status_code == 404
    with in_tenant("sh"):
        assert not ClubMembership.objects.exists()


def test_anonymous_and_roleless_are_refused(world, tenant_client, api_client):
    assert tenant_client("bj").get("/club/").status_code == 302
    assert api_client("bj").get("/api/club/memberships/").status_code in (401, 403)
    channel = world["bj"].manager_a  # account managers serve visiting members too
    assert tenant_client("bj", channel.user).get("/club/visiting/").status_code == 200
