"""National and cross-province points redemption: the saga serving province → HQ → home
province and back, timeouts and the inter-province settlement (R6.5.3, R2.4.9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hq.redemption import selectors as hq_selectors
from hq.redemption import services as hq_services
from hq.redemption.models import NationalRedemption
from province.loyalty.invariant import invariant_violations
from province.loyalty.models import PointsAccount, PointsEntry
from province.national import services
from province.national.models import NationalHold, NationalItem, VisitingRedemption
from shared.errors import Conflict
from sync import directory
from sync.inbox import receive
from sync.models import OutboxMessage
from sync.relay import envelope_of
from tests.club_scenario import relay, round_trip
from tests.conftest import in_tenant
from tests.national_scenario import bj_member_visiting_sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(db):
    return bj_member_visiting_sh()


def _request(visit, quantity=2) -> VisitingRedemption:
    with in_tenant("sh"):
        entry = directory.find_member(card_number=visit.member.card_number)
        return services.request_redemption(entry, "umbrella", quantity, actor=visit.desk.user)


def _account():
    with in_tenant("bj"):
        return PointsAccount.objects.get()


def _status(redemption) -> str:
    with in_tenant("sh"):
        redemption.refresh_from_db()
        return redemption.status


def _later():
    return timezone.now() + timedelta(seconds=hq_services.timeout().total_seconds() + 1)


def test_the_catalogue_reaches_every_province(visit):
    """R6.5.3: HQ's national catalogue is published to the provinces as a version."""
    for schema in ("bj", "sh"):
        with in_tenant(schema):
            item = NationalItem.objects.get(code="umbrella")
            assert (item.points_price, item.unit_cost, item.version) == (500, Decimal("35.00"), 1)


def test_a_bj_member_redeems_while_visiting_sh(visit):
    """R6.5.3, R2.4.9: hold at home, hand-over in sh, capture at home; HQ records the
    redemption and the settlement says bj owes sh the cost."""
    redemption = _request(visit, quantity=2)
    assert redemption.status == "pending" and redemption.points == 1000
    round_trip()
    assert _status(redemption) == "reserved"
    account = _account()
    assert (account.balance, account.held) == (2000, 1000)
    with in_tenant("sh"):
        services.fulfil(redemption, actor=visit.desk.user)
    round_trip()
    assert _status(redemption) == "completed"
    with in_tenant("bj"):
        account = PointsAccount.objects.get()
        assert (account.balance, account.held) == (1000, 0)
        kinds = list(PointsEntry.objects.order_by("id").values_list("kind", "points"))
        assert kinds == [("earn", 2000), ("hold", -1000), ("release", 1000), ("redeem", -1000)]
        assert NationalHold.objects.get().status == "captured"
        assert invariant_violations() == []
    with in_tenant("hq"):
        row = NationalRedemption.objects.get(request_id=redemption.request_id)
        assert (row.status, row.cost, row.home_province, row.serving_province) == (
            "committed",
            Decimal("70.00"),
            "bj",
            "sh",
        )
        month = timezone.localdate().replace(day=1)
        settlement = hq_selectors.settlement(month)
        assert settlement.owed("bj", "sh") == Decimal("70.00")
        assert settlement.owed("sh", "bj") == Decimal("0")
        assert settlement.total == Decimal("70.00")


def test_too_few_points_is_rejected_without_a_hold(visit):
    """R6.5.3: the home province refuses, writes no hold, and sh shows why."""
    redemption = _request(visit, quantity=5)  # 2,500 points of 2,000
    round_trip()
    assert _status(redemption) == "rejected"
    with in_tenant("sh"):
        assert redemption.reason == "insufficient_points"
        assert redemption.reason_text != "insufficient_points"
    with in_tenant("bj"):
        assert not PointsEntry.objects.filter(kind="hold").exists()
        assert PointsAccount.objects.get().held == 0
    with in_tenant("hq"):
        assert NationalRedemption.objects.get().status == "rejected"


def test_redelivered_messages_change_nothing(visit):
    """Every step is idempotent: each message again (inbox dedup) and each payload again
    (request-id idempotency) leave both ledgers and HQ's record unchanged."""
    redemption = _request(visit)
    round_trip()
    with in_tenant("sh"):
        services.fulfil(redemption, actor=visit.desk.user)
        services.fulfil(redemption, actor=visit.desk.user)  # a double click
    round_trip()
    with in_tenant("hq"):
        sent = {
            m.topic: envelope_of(m, "hq")
            for m in OutboxMessage.objects.filter(topic__startswith="redemption.national.")
        }
        request = NationalRedemption.objects.get()
        hq_services.route_request("sh", {**sent["redemption.national.reserve"].payload})
        hq_services.route_commit("sh", {"request_id": str(request.request_id)})
    with in_tenant("bj"):
        entries = PointsEntry.objects.count()
        assert receive([sent["redemption.national.reserve"]]) == 0
        assert receive([sent["redemption.national.capture"]]) == 0
        services.reserve(sent["redemption.national.reserve"].payload)
        services.capture(sent["redemption.national.capture"].payload)
        assert PointsEntry.objects.count() == entries
    round_trip()
    with in_tenant("bj"):
        assert PointsEntry.objects.count() == entries
        assert (PointsAccount.objects.get().balance, invariant_violations()) == (1000, [])
    with in_tenant("hq"):
        assert NationalRedemption.objects.count() == 1
        assert NationalRedemption.objects.get().status == "committed"
    assert _status(redemption) == "completed"


def test_an_unanswered_home_province_is_released_after_the_timeout(visit):
    """R6.5.3: bj never answers; HQ's timeout tells sh, and bj's late reserve request
    (arriving after the release) places no hold."""
    redemption = _request(visit)
    relay("sh")  # HQ forwarded the reserve request; bj is unreachable
    with in_tenant("hq"):
        assert hq_services.release_overdue(now=timezone.now()) == 0  # not yet due
        assert hq_services.release_overdue(now=_later()) == 1
        assert hq_services.release_overdue(now=_later()) == 0  # once
        sent = {
            m.topic: envelope_of(m, "hq")
            for m in OutboxMessage.objects.filter(topic__startswith="redemption.national.")
        }
    with in_tenant("sh"):
        receive([sent["redemption.national.reply"]])
        redemption.refresh_from_db()
        assert (redemption.status, redemption.reason) == ("timed_out", "timed_out")
        with pytest.raises(Conflict):
            services.fulfil(redemption, actor=visit.desk.user)
    with in_tenant("bj"):  # bj comes back: the release first, then the late request
        receive([sent["redemption.national.release"]])
        receive([sent["redemption.national.reserve"]])
        assert not PointsEntry.objects.filter(kind="hold").exists()
        assert NationalHold.objects.get().status == "released"
    round_trip()
    with in_tenant("hq"):
        row = NationalRedemption.objects.get()
        assert row.status == "released" and row.release_confirmed_at is not None
        assert hq_selectors.settlement(timezone.localdate().replace(day=1)).total == 0


def test_a_reservation_not_committed_in_time_is_released(visit):
    """R6.5.3: the points were held but the desk never confirmed: the hold is released,
    the balance is whole again and sh's screen says so."""
    redemption = _request(visit)
    round_trip()
    assert _status(redemption) == "reserved"
    with in_tenant("hq"):
        assert hq_services.release_overdue(now=_later()) == 1
    round_trip()
    assert _status(redemption) == "timed_out"
    with in_tenant("bj"):
        account = PointsAccount.objects.get()
        assert (account.balance, account.held) == (2000, 0)
        assert NationalHold.objects.get().status == "released"
        assert invariant_violations() == []


def _handed_over_after_the_timeout(visit) -> VisitingRedemption:
    """The desk hands the item over in time, but its hand-over reaches HQ only after HQ's
    timeout released the hold (sh's outbox held it back meanwhile)."""
    redemption = _request(visit)
    round_trip()
    with in_tenant("sh"):
        services.fulfil(redemption, actor=visit.desk.user)
    with in_tenant("hq"):
        assert hq_services.release_overdue(now=_later()) == 1
    relay("hq", "bj")  # bj releases the hold; sh is told "timed out"
    assert _status(redemption) == "fulfilled"  # it was handed over: not "points released"
    assert (_account().balance, _account().held) == (2000, 0)
    return redemption


def test_a_hand_over_reaching_hq_after_the_timeout_is_captured_late(visit):
    """R6.5.3: the item is gone, so the points are taken after all (a new hold captured at
    once) and the redemption is settled as any other."""
    redemption = _handed_over_after_the_timeout(visit)
    round_trip()
    assert _status(redemption) == "completed"
    with in_tenant("bj"):
        account = PointsAccount.objects.get()
        assert (account.balance, account.held) == (1000, 0)
        kinds = list(PointsEntry.objects.order_by("id").values_list("kind", "points"))
        assert kinds == [
            ("earn", 2000),
            ("hold", -1000),
            ("release", 1000),  # the timeout
            ("hold", -1000),  # the late capture
            ("release", 1000),
            ("redeem", -1000),
        ]
        assert NationalHold.objects.get().status == "captured"
        assert invariant_violations() == []
    with in_tenant("hq"):
        row = NationalRedemption.objects.get(request_id=redemption.request_id)
        assert row.status == "committed" and row.settlement_month is not None
        settlement = hq_selectors.settlement(timezone.localdate().replace(day=1))
        assert settlement.owed("bj", "sh") == Decimal("70.00")
    round_trip()  # everything repeated changes nothing
    with in_tenant("bj"):
        assert PointsEntry.objects.count() == 6


def test_a_late_hand_over_whose_points_are_gone_ends_unpaid(visit):
    """The member spent the released points before the late hand-over arrived: nothing is
    taken, HQ and the desk see the redemption as handed over but unpaid, and nobody owes
    anything for it."""
    redemption = _handed_over_after_the_timeout(visit)
    with in_tenant("bj"):
        from province.loyalty import ledger

        ledger.debit(visit.member.customer_id, 1500, kind="redeem", idempotency_key="test:spent")
    round_trip()
    with in_tenant("sh"):
        redemption.refresh_from_db()
        assert (redemption.status, redemption.reason) == ("unpaid", "insufficient_points")
    with in_tenant("bj"):
        hold = NationalHold.objects.get()
        assert (hold.status, hold.reason) == ("rejected", "insufficient_points")
        account = PointsAccount.objects.get()
        assert (account.balance, account.held) == (500, 0)
        assert invariant_violations() == []
    with in_tenant("hq"):
        row = NationalRedemption.objects.get(request_id=redemption.request_id)
        assert (row.status, row.reason) == ("unpaid", "insufficient_points")
        assert hq_selectors.settlement(timezone.localdate().replace(day=1)).total == 0


def test_a_release_before_the_reserve_request_prevents_the_hold(visit):
    """The release overtakes the reserve request (another worker, a retry): bj records the
    release, and the reserve request that follows holds nothing and answers "released"."""
    redemption = _request(visit)
    relay("sh")
    with in_tenant("hq"):
        hq_services.release_overdue(now=_later())
    with in_tenant("bj"):
        services.release({"request_id": str(redemption.request_id), "reason": "timed_out"})
        hold = services.reserve(
            {
                "request_id": str(redemption.request_id),
                "card_number": visit.member.card_number,
                "serving_province": "sh",
                "home_province": "bj",
                "item": "umbrella",
                "quantity": 2,
                "points": 1000,
                "unit_cost": "35.00",
                "catalog_version": 1,
            }
        )
        assert hold.status == "released" and hold.hold_entry is None
        assert PointsAccount.objects.filter(held__gt=0).count() == 0


def test_the_serving_province_sees_only_what_the_directory_returns(visit):
    """sh holds the masked name and card, never bj's customer record or balance."""
    redemption = _request(visit)
    round_trip()
    with in_tenant("sh"):
        redemption.refresh_from_db()
        assert redemption.name_masked == "张**"
        replies = [
            m.payload for m in OutboxMessage.objects.filter(topic="redemption.national.request")
        ]
        assert "张三丰" not in str(replies) and "13912345678" not in str(replies)
    with in_tenant("hq"):
        to_sh = OutboxMessage.objects.filter(destination="sh").values_list("payload", flat=True)
        assert all(set(p) == {"request_id", "status", "reason"} for p in to_sh if "status" in p)


def test_the_beat_task_releases_in_hq_schema(visit, settings):
    """The beat runs in the public schema; the task enters HQ's schema itself."""
    from hq.redemption.tasks import release_overdue_redemptions_task

    settings.NATIONAL_REDEMPTION_TIMEOUT_SECONDS = 0
    redemption = _request(visit)
    relay("sh")
    assert release_overdue_redemptions_task() == 1
    round_trip()
    assert _status(redemption) == "timed_out"
