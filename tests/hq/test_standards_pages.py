"""HQ's standards pages and the province's page (R11.2): HQ administrators edit drafts and
publish, analysts read the matrix, users without an HQ role are refused; the province shows
what is in force to those who may see province-wide settings."""

import pytest

from hq.standards import services
from hq.standards.models import StandardDraft, StandardRelease
from sync.relay import relay_all
from tests.conftest import in_tenant
from tests.factories import make_user
from tests.hq.standards_scenario import draft_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq_users():
    with in_tenant("hq"):
        return make_user(["hq_analyst"]), make_user(["hq_admin"]), make_user([])


def test_admin_edits_a_draft_and_publishes_analyst_reads_r11_2(tenant_client, hq_users):
    analyst, admin, _nobody = hq_users
    form = {"effective_from": "2027-01-01", "years_after": "4"}
    assert tenant_client("hq", analyst).post("/standards/validity/", form).status_code == 403
    response = tenant_client("hq", admin).post("/standards/validity/", form)
    assert response.status_code == 302
    bad = tenant_client("hq", admin).post("/standards/validity/", {"years_after": "11"})
    assert bad.status_code == 400
    with in_tenant("hq"):
        draft = StandardDraft.objects.get(kind="validity")
        assert (draft.content, draft.changed_by) == ({"years_after": 4}, admin.username)
    assert tenant_client("hq", analyst).post("/standards/validity/publish/").status_code == 403
    assert tenant_client("hq", admin).post("/standards/validity/publish/").status_code == 302
    with in_tenant("hq"):
        release = StandardRelease.objects.get(kind="validity")
        assert (release.version, release.published_by) == (1, admin.username)
        relay_all()
    with in_tenant("bj"):
        relay_all()
    page = tenant_client("hq", analyst).get("/standards/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-province="bj"' in html and 'data-kind="validity" data-version="1"' in html
    detail = tenant_client("hq", analyst).get("/standards/validity/")
    assert detail.status_code == 200 and 'data-version="1"' in detail.content.decode()
    assert "draft-form" not in detail.content.decode()  # analysts read, they do not edit


def test_points_and_products_are_edited_one_per_line_r11_2(tenant_client, hq_users):
    _analyst, admin, _nobody = hq_users
    client = tenant_client("hq", admin)
    client.cookies["django_language"] = "en"  # the field errors below are the English source
    lines = "N-BASE; National base; base; ; 2\nN-GOLD; Gold; level_multiplier; gold; 0; 1.5"
    assert client.post("/standards/points/", {"rules": lines}).status_code == 302
    bad = client.post("/standards/points/", {"rules": "N-X; Bonus; bonus; ; 0; 1; 10"})
    assert bad.status_code == 400 and "a bonus needs a condition" in bad.content.decode()
    products = "N5G; National 5G; mobile; 199"
    assert client.post("/standards/products/", {"products": products}).status_code == 302
    with in_tenant("hq"):
        rules = StandardDraft.objects.get(kind="points").content["rules"]
        assert [(r["code"], r["multiplier"]) for r in rules] == [("N-BASE", "1"), ("N-GOLD", "1.5")]
        assert (
            StandardDraft.objects.get(kind="products").content["products"][0]["monthly_price"]
            == "199"
        )
    page = client.get("/standards/points/")
    assert "N-GOLD; Gold; level_multiplier; gold" in page.content.decode()


def test_standards_pages_refuse_users_without_an_hq_role_r11_2(tenant_client, hq_users):
    _analyst, _admin, nobody = hq_users
    for url in ("/standards/", "/standards/levels/"):
        assert tenant_client("hq", nobody).get(url).status_code == 403
    assert tenant_client("hq", nobody).post("/standards/levels/publish/").status_code == 403
    assert tenant_client("hq").get("/standards/").status_code == 302  # to the login page


def test_province_page_shows_standards_in_force_and_has_no_hq_pages_r11_2(tenant_client):
    with in_tenant("hq"):
        draft_everything()
        services.publish_release("levels")
        relay_all()
    with in_tenant("bj"):
        relay_all()
        admin, manager = make_user(["province_admin"]), make_user(["account_manager"])
    page = tenant_client("bj", admin).get("/standards/")
    assert page.status_code == 200
    assert 'data-kind="levels" data-version="1"' in page.content.decode()
    assert tenant_client("bj", manager).get("/standards/").status_code == 403
    # HQ's pages do not exist on a province's host: publishing is HQ's alone.
    assert tenant_client("bj", admin).get("/standards/levels/").status_code == 404
    assert tenant_client("bj", admin).post("/standards/levels/publish/").status_code == 404
