"""HQ decides what a level drop does to a club membership (R11.1): the entry-rules page
sets the policy and whether the tier follows the level, publication carries them, and the
national roster (page and API) shows the members below the entry rules with how many are
in each status, so HQ can judge the policy's effect."""

import pytest

from hq.club import services
from hq.club.models import ClubEntryRules, ClubRulesVersion
from province.club import services as province_club
from province.levels import services as levels
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay
from tests.conftest import in_tenant
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db

ENTRY = {"min_level": "silver", "min_tenure_months": 12, "exclude_arrears": "on"}


def test_entry_rules_page_sets_the_policy_and_publication_carries_it(tenant_client):
    """R11.1: HQ's administrator chooses the level-drop policy on the entry-rules form;
    an unknown choice is a field error, nothing saved; the next version sends it."""
    define_and_publish_club()
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    client = tenant_client("hq", admin)
    bad = client.post("/club/entry-rules/", {**ENTRY, "level_drop": "vanish"})
    assert bad.status_code == 200 and "level_drop" in bad.context["form"].errors
    with in_tenant("hq"):
        assert services.entry_rules().level_drop == "keep"
    saved = client.post(
        "/club/entry-rules/", {**ENTRY, "level_drop": "suspend", "tier_follows_level": "on"}
    )
    assert saved.status_code == 302
    page = client.get("/club/").content.decode()
    assert 'id="level-drop"' in page and "暂停，直至级别重新符合" in page  # zh-hans by default
    assert client.post("/club/publish/").status_code == 302
    with in_tenant("hq"):
        rules = ClubEntryRules.objects.get()
        assert (rules.level_drop, rules.tier_follows_level, rules.changed_by) == (
            "suspend",
            True,
            admin.get_username(),
        )
        content = ClubRulesVersion.objects.order_by("-version").first().content
        assert (content["level_drop"], content["tier_follows_level"]) == ("suspend", True)
    relay("hq")
    with in_tenant("bj"):
        from province.club.selectors import current_rules

        assert current_rules().level_drop == "suspend"


def test_an_analyst_may_not_change_the_policy(tenant_client):
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
    client = tenant_client("hq", analyst)
    assert client.post("/club/entry-rules/", {**ENTRY, "level_drop": "end"}).status_code == 403
    with in_tenant("hq"):
        assert services.entry_rules().level_drop == "keep"


@pytest.fixture
def roster_below():
    """Under ``keep``: a bj member dropped to standard (still active), a bj gold member, a
    sh silver member; every row at HQ. Returns the three card numbers."""
    define_and_publish_club()
    cards = {}
    with in_tenant("bj"):
        org = make_org()
        dropped, gold = (make_member_candidate(org.manager_a) for _ in range(2))
        members = province_club.enrol([dropped, gold], actor=org.admin.user)
        levels.override_level(dropped, "standard", actor=org.admin.user, reason="欠费降级")
        cards["dropped"], cards["gold"] = (m.card_number for m in members)
    with in_tenant("sh"):
        sh_org = make_org()
        (silver,) = province_club.enrol(
            [make_member_candidate(sh_org.manager_a, level="silver")], actor=sh_org.admin.user
        )
        cards["silver"] = silver.card_number
    relay("bj", "sh")
    return cards


def test_roster_page_filters_members_below_the_entry_rules(tenant_client, roster_below):
    """R11.1: ``?below=1`` lists the members whose level the saved entry rules do not
    admit, with a count per status; raising the minimum level (saved, not yet published)
    shows whom the next publication would concern."""
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
        nobody = make_user([])
    client = tenant_client("hq", analyst)
    page = client.get("/club/roster/?below=1")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="below-summary"' in html
    assert f'data-card="{roster_below["dropped"]}"' in html
    assert f'data-card="{roster_below["gold"]}"' not in html
    assert f'data-card="{roster_below["silver"]}"' not in html
    assert [(s, n) for s, _label, n in page.context["below_counts"]] == [
        ("active", 1),
        ("suspended", 0),
        ("ended", 0),
    ]
    unfiltered = client.get("/club/roster/").content.decode()
    assert 'id="below-summary"' not in unfiltered
    assert f'data-card="{roster_below["gold"]}"' in unfiltered
    with in_tenant("hq"):
        services.save_entry_rules(actor=None, min_level="gold")
    html = client.get("/club/roster/?below=1&province=sh").content.decode()
    assert f'data-card="{roster_below["silver"]}"' in html
    assert f'data-card="{roster_below["dropped"]}"' not in html  # another province
    assert tenant_client("hq", nobody).get("/club/roster/?below=1").status_code == 403


def test_roster_api_filters_members_below_the_entry_rules(api_client, roster_below):
    """R11.1: ``below_entry_rules=true|false`` on ``/api/club/members/``, combinable with
    the other filters; a member the policy suspended is listed with its status."""
    with in_tenant("hq"):
        analyst = make_user(["hq_analyst"])
    client = api_client("hq", analyst)

    def cards(query: str) -> set[str]:
        response = client.get(f"/api/club/members/?{query}")
        assert response.status_code == 200, response.content
        return {row["card_number"] for row in response.json()["results"]}

    assert cards("below_entry_rules=true") == {roster_below["dropped"]}
    assert cards("below_entry_rules=false") == {roster_below["gold"], roster_below["silver"]}
    assert cards("below_entry_rules=true&status=suspended") == set()
    with in_tenant("hq"):
        services.save_entry_rules(actor=None, level_drop="suspend")
        services.publish_rules(actor=None)
    relay("hq", "bj")  # bj applies the new policy and sends the suspended row back
    assert cards("below_entry_rules=true&status=suspended") == {roster_below["dropped"]}
    assert cards("below_entry_rules=true&home_province=sh") == set()
    assert client.get("/api/club/members/?below_entry_rules=maybe").status_code == 400
