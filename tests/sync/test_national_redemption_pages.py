"""National redemption pages (R6.5.3, R2.4.9): the serving desk's page, HQ's catalogue and
settlement, each permission-checked."""

import pytest
from django.utils import timezone

from province.national.models import VisitingRedemption
from tests.club_scenario import round_trip
from tests.conftest import in_tenant
from tests.factories import make_staff, make_user
from tests.national_scenario import bj_member_visiting_sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(db):
    return bj_member_visiting_sh()


def test_the_sh_desk_redeems_through_the_page(visit, tenant_client):
    """R6.5.3: find by card, ask for the points, see "reserved", hand over, see completed."""
    desk = tenant_client("sh", visit.desk.user)
    card = visit.member.card_number
    page = desk.get(f"/national/visiting/?q={card}")
    assert page.status_code == 200 and f'data-card="{card}"' in page.content.decode()
    assert "张三丰" not in page.content.decode()  # only the directory's masked name
    response = desk.post(f"/national/visiting/?q={card}", {"item": "umbrella", "quantity": 1})
    assert response.status_code == 302
    round_trip()
    with in_tenant("sh"):
        redemption = VisitingRedemption.objects.get()
        assert redemption.status == "reserved"
    status = desk.get("/national/visiting/status/")
    assert "national:fulfil" not in status.content.decode()
    assert f"/national/visiting/{redemption.pk}/fulfil/" in status.content.decode()
    assert desk.post(f"/national/visiting/{redemption.pk}/fulfil/").status_code == 302
    round_trip()
    with in_tenant("sh"):
        redemption.refresh_from_db()
        assert redemption.status == "completed"


def test_province_pages_are_permission_checked(visit, tenant_client):
    with in_tenant("sh"):
        nobody = make_user([])
        other_desk = make_staff(visit.sh_org.team_b, ["service_agent"])
    assert tenant_client("sh", nobody).get("/national/visiting/").status_code == 403
    assert tenant_client("sh", nobody).post("/national/visiting/1/fulfil/").status_code == 403
    # A desk cannot hand over what another desk (outside its scope) asked for.
    desk = tenant_client("sh", visit.desk.user)
    card = visit.member.card_number
    desk.post(f"/national/visiting/?q={card}", {"item": "umbrella", "quantity": 1})
    with in_tenant("sh"):
        pk = VisitingRedemption.objects.get().pk
    other = tenant_client("sh", other_desk.user)
    assert other.post(f"/national/visiting/{pk}/fulfil/").status_code == 404


def test_hq_pages_for_admin_and_analyst(visit, tenant_client):
    """R6.5.3, R2.4.9: the catalogue, the redemptions and the settlement with its export."""
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
        nobody = make_user([])
    admin = tenant_client("hq", visit.hq_admin)
    page = admin.get("/redemption/")
    assert page.status_code == 200 and 'data-code="umbrella"' in page.content.decode()
    response = admin.post(
        "/redemption/items/new/",
        {
            "code": "mug",
            "name_zh": "杯子",
            "name_en": "Mug",
            "kind": "gift",
            "points_price": 200,
            "unit_cost": "12.50",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert admin.post("/redemption/publish/").status_code == 302
    month = timezone.localdate().strftime("%Y-%m")
    reader = tenant_client("hq", analyst)
    assert reader.get("/redemption/redemptions/").status_code == 200
    settlement = reader.get(f"/redemption/settlement/?month={month}")
    assert settlement.status_code == 200 and "settlement-chart" in settlement.content.decode()
    export = reader.get(f"/redemption/settlement/?month={month}&format=xlsx")
    assert export.status_code == 200 and "spreadsheet" in export["Content-Type"]
    assert reader.post("/redemption/publish/").status_code == 403
    assert reader.get("/redemption/items/new/").status_code == 403
    for url in ("/redemption/", "/redemption/redemptions/", "/redemption/settlement/"):
        assert tenant_client("hq", nobody).get(url).status_code == 403
