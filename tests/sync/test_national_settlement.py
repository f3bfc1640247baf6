"""The inter-province settlement reaches the provinces (R2.4.9, R6.5.3): HQ sends a month's
settlement lines down (``redemption.settlement``) whenever a national redemption commits,
and each province's points cost page shows what it owes and is owed — the figures HQ's
settlement has, read from the province's own copy, never from HQ's tables."""

import io
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from hq.redemption import selectors as hq_selectors
from province.national import services
from province.national.models import SettlementLine
from province.org.models import OrgUnit
from sync import directory
from sync.inbox import receive
from sync.models import InboxMessage, OutboxMessage
from sync.relay import envelope_of
from tests.club_scenario import relay, round_trip
from tests.conftest import in_tenant
from tests.factories import make_staff
from tests.national_scenario import bj_member_visiting_sh

pytestmark = pytest.mark.django_db

MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def visit(db):
    visit = bj_member_visiting_sh()
    with in_tenant("bj"):
        visit.bj_admin = make_staff(OrgUnit.objects.get(parent__isnull=True), ["province_admin"])
    return visit


def redeem_in_sh(visit, quantity: int) -> None:
    """The bj member redeems ``quantity`` umbrellas (35.00 yuan each) in sh, to the end."""
    with in_tenant("sh"):
        entry = directory.find_member(card_number=visit.member.card_number)
        made = services.request_redemption(entry, "umbrella", quantity, actor=visit.desk.user)
    round_trip()
    with in_tenant("sh"):
        made.refresh_from_db()
        services.fulfil(made, actor=visit.desk.user)
    round_trip()


def hq_owed(home: str, serving: str) -> Decimal:
    with in_tenant("hq"):
        return hq_selectors.settlement(timezone.localdate().replace(day=1)).owed(home, serving)


def lines(schema: str) -> list[tuple]:
    with in_tenant(schema):
        return list(
            SettlementLine.objects.values_list(
                "home_province", "serving_province", "amount", "redemptions", "points"
            )
        )


def stat(html: str, name: str) -> str:
    marker = f'data-stat="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def test_r2_4_9_both_cost_pages_show_hqs_settlement(visit, tenant_client):
    """After the bj-member-in-sh scenario bj owes sh 70.00 and sh is owed 70.00, as HQ says."""
    redeem_in_sh(visit, 2)
    owed = hq_owed("bj", "sh")
    assert owed == Decimal("70.00")
    assert lines("bj") == lines("sh") == [("bj", "sh", owed, 1, 1000)]

    bj = tenant_client("bj", visit.bj_admin.user)
    bj.cookies["django_language"] = "en"
    html = bj.get("/loyalty/cost/").content.decode()
    assert (stat(html, "settlement-owes"), stat(html, "settlement-owed")) == ("70.00", "0.00")
    assert stat(html, "settlement-net") == "-70.00"
    assert "Inter-province settlement of national redemptions" in html
    assert 'id="chart-settlement"' in html

    sh = tenant_client("sh", visit.sh_org.admin.user)
    html = sh.get("/loyalty/cost/").content.decode()
    assert (stat(html, "settlement-owes"), stat(html, "settlement-owed")) == ("0.00", "70.00")
    assert stat(html, "settlement-net") == "70.00"


def test_r2_4_9_settlement_in_the_excel_export_and_the_api(visit, tenant_client, api_client):
    from openpyxl import load_workbook

    redeem_in_sh(visit, 2)
    response = tenant_client("bj", visit.bj_admin.user)
    response.cookies["django_language"] = "en"
    workbook = load_workbook(io.BytesIO(response.get("/loyalty/cost/?format=xlsx").content))
    assert workbook.sheetnames[-2:] == ["Settlement by month", "Settlement by province"]
    by_month = list(workbook["Settlement by month"].iter_rows(values_only=True))
    assert by_month[-1][0] == MONTH
    assert Decimal(str(by_month[-1][1])) == hq_owed("bj", "sh")  # we owe
    assert by_month[-1][2] == 1  # our members' redemptions elsewhere
    (heading, row) = list(workbook["Settlement by province"].iter_rows(values_only=True))
    assert row[0] == MONTH and Decimal(str(row[2])) == Decimal("70.00")
    summary = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True)}
    assert Decimal(str(summary["Net inter-province settlement (yuan)"])) == Decimal("-70.00")

    body = api_client("sh", visit.sh_org.admin.user).get("/api/loyalty/cost/settlement/").json()
    assert body["total"]["owed"] == "70.00" and body["total"]["owes"] == "0.00"
    assert body["months"][-1] == {
        "month": MONTH,
        "owes": "0.00",
        "owes_redemptions": 0,
        "owes_points": 0,
        "owed": "70.00",
        "owed_redemptions": 1,
        "owed_points": 1000,
        "net": "70.00",
    }
    assert [p["province"] for p in body["by_province"]] == ["bj"]
    bad = api_client("sh", visit.sh_org.admin.user).get(
        "/api/loyalty/cost/settlement/", {"period_from": "2026-13"}
    )
    assert bad.status_code == 400 and "period_from" in bad.json()["fields"]


def test_r2_4_9_province_wide_roles_only(visit, tenant_client, api_client):
    """The settlement is the province's, not a subtree's: a supervisor (who sees the cost
    of the own customers) gets neither the section nor the API."""
    redeem_in_sh(visit, 1)
    supervisor = visit.sh_org.supervisor_a.user
    html = tenant_client("sh", supervisor).get("/loyalty/cost/").content.decode()
    assert 'data-stat="settlement-owed"' not in html and 'id="chart-settlement"' not in html
    assert 'data-stat="liability"' in html  # the rest of the page is there
    assert api_client("sh", supervisor).get("/api/loyalty/cost/settlement/").status_code == 403
    auditor = visit.sh_org.auditor.user  # read-only, province-wide
    assert api_client("sh", auditor).get("/api/loyalty/cost/settlement/").status_code == 200


def test_each_commit_resends_the_month_and_an_old_version_is_ignored(visit):
    """A second redemption in the month: the provinces get the month whole again (105.00);
    the first month message delivered again late (a retry) is stale and changes nothing."""
    redeem_in_sh(visit, 2)
    with in_tenant("hq"):
        first = OutboxMessage.objects.filter(topic="redemption.settlement", destination="bj")
        first = envelope_of(first.order_by("id").first(), "hq")
    redeem_in_sh(visit, 1)
    assert hq_owed("bj", "sh") == Decimal("105.00")
    assert lines("bj") == lines("sh") == [("bj", "sh", Decimal("105.00"), 2, 1500)]
    with in_tenant("bj"):
        assert receive([first]) == 0  # the same message again: deduplicated
        # The old version under a new message id (a resend overtaken by a newer one): stale.
        assert receive([replace(first, message_id=str(uuid.uuid4()))]) == 1
        late = InboxMessage.objects.filter(topic="redemption.settlement").latest("id")
        assert late.status == "stale"
    assert lines("bj") == [("bj", "sh", Decimal("105.00"), 2, 1500)]


def test_an_operator_sends_a_month_again(visit):
    """``manage.py publish_settlement`` resends a month (a province restored from a backup)."""
    redeem_in_sh(visit, 2)
    with in_tenant("bj"):
        SettlementLine.objects.all().delete()
    out = io.StringIO()
    call_command("publish_settlement", month=MONTH, province=["bj"], stdout=out)
    assert "sent to 1 provinces" in out.getvalue()
    relay("hq")
    assert lines("bj") == [("bj", "sh", Decimal("70.00"), 1, 1000)]


def test_no_settlement_without_a_commit(visit):
    """A reserved (or rejected, or timed-out) redemption is no settlement line: nothing is
    sent and the cost page says HQ sent nothing."""
    with in_tenant("sh"):
        entry = directory.find_member(card_number=visit.member.card_number)
        services.request_redemption(entry, "umbrella", 1, actor=visit.desk.user)
    round_trip()
    with in_tenant("hq"):
        assert not OutboxMessage.objects.filter(topic="redemption.settlement").exists()
    assert lines("bj") == lines("sh") == []
