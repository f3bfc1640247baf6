"""Expiry (R2.4.5, R2.4.3): the run, warnings with export, validity extensions."""

import pytest
from django.core.exceptions import ValidationError
from loyalty_helpers import days, earn, grant

from province.loyalty import ledger, services
from province.loyalty.choices import EntryKind
from province.loyalty.models import LotExtension, PointsAccount, PointsEntry, PointsLot
from province.loyalty.selectors import expiring_points
from shared.errors import Conflict
from tests.conftest import in_tenant
from tests.factories import make_customer, make_org, make_staff


@pytest.fixture
def org(bj):
    return make_org()


def test_r2_4_5_expiry_run_posts_expire_entries_for_lapsed_lots(org):
    c = make_customer(org.manager_a)
    lapsed = earn(c, 100, expires_in_days=-3)
    partly_used = earn(c, 50, expires_in_days=2)
    valid = earn(c, 70, expires_in_days=40)
    ledger.debit(c, 20, kind=EntryKind.REDEEM, idempotency_key="r")  # from partly_used
    run = services.expire_points(days(5), chunk_size=1)
    assert (run.total, run.done, run.entries_created, run.points_expired) == (2, 2, 2, 130)
    assert PointsEntry.objects.get(idempotency_key=f"lot:{lapsed.lot.pk}:expire").points == -100
    assert [PointsLot.objects.get(entry=e).remaining for e in (lapsed, partly_used, valid)] == [
        0,
        0,
        70,
    ]
    assert PointsAccount.objects.get(customer=c).balance == 70
    assert services.expire_points(days(5)).entries_created == 0  # nothing left to expire


def test_r2_4_5_expiry_leaves_points_held_for_a_redemption(org):
    c = make_customer(org.manager_a)
    earn(c, 100, expires_in_days=1)
    hold = ledger.hold(c, 80, idempotency_key="h")
    run = services.expire_points(days(5))
    assert (run.entries_created, run.deferred) == (0, 1)
    ledger.capture(hold, idempotency_key="h:capture")  # may use the lapsed lot it reserved
    run = services.expire_points(days(5))
    assert run.points_expired == 20
    assert PointsAccount.objects.get(customer=c).balance == 0


def test_r2_4_5_warnings_list_customers_with_points_expiring_soon(org, tenant_client):
    mine = make_customer(org.manager_a, name="Mine Ltd.")
    theirs = make_customer(org.manager_b)
    earn(mine, 100, expires_in_days=10)
    earn(mine, 40, expires_in_days=10, key="second")
    earn(mine, 500, expires_in_days=90)
    earn(theirs, 60, expires_in_days=5)
    manager = grant(org.manager_a.user, "view_pointslot")
    rows = list(expiring_points(manager, within_days=30))
    assert [(r["customer_id"], r["expires_at"], r["points"]) for r in rows] == [
        (mine.pk, days(10), 140)
    ]
    admin = grant(org.admin.user, "view_pointslot")
    assert len(expiring_points(admin, within_days=30)) == 2

    client = tenant_client("bj", manager)
    page = client.get("/loyalty/warnings/?days=30")
    assert page.status_code == 200 and "Mine Ltd." in page.content.decode()
    export = client.get("/loyalty/warnings/export/?days=30")
    assert export.status_code == 200
    body = export.content.decode("utf-8-sig")
    assert f"{mine.number},Mine Ltd.," in body and ",140" in body
    with in_tenant("bj"):
        no_role = make_staff(org.team_a, roles=[]).user
    assert tenant_client("bj", no_role).get("/loyalty/warnings/").status_code == 403


def test_r2_4_3_extension_is_audited_and_saves_the_lot(org):
    c = make_customer(org.manager_a)
    entry = earn(c, 100, expires_in_days=3)
    lot = entry.lot
    with pytest.raises(ValidationError):
        services.extend_lot(lot, days(30), actor=org.admin.user, reason="")
    extension = services.extend_lot(lot, days(30), actor=org.admin.user, reason="Complaint")
    assert (extension.old_expires_at, extension.new_expires_at) == (days(3), days(30))
    assert services.expire_points(days(5)).entries_created == 0
    assert LotExtension.objects.filter(lot=lot, actor=org.admin.user).count() == 1
    services.expire_points(days(31))
    with pytest.raises(Conflict):
        services.extend_lot(
            PointsLot.objects.get(pk=lot.pk), days(60), actor=org.admin.user, reason="x"
        )
