"""The national redemption round trip with a real Celery worker and Redis (R6.5.3): every
hop is relayed by the worker after commit, none by the test."""

import pytest

from hq.redemption.models import NationalRedemption
from province.loyalty.invariant import invariant_violations
from province.loyalty.models import PointsAccount
from province.national import services
from province.national.models import VisitingRedemption
from sync import directory
from tests.conftest import in_tenant
from tests.national_scenario import bj_member_visiting_sh
from tests.sync.test_worker import _wait_for, worker  # noqa: F401  (the worker fixture)


def _serving_status(request_id, wanted):
    def check():
        with in_tenant("sh"):
            row = VisitingRedemption.objects.get(request_id=request_id)
            return row if row.status == wanted else None

    return check


@pytest.mark.worker
def test_a_bj_member_redeems_in_sh_through_the_worker(committed, worker):  # noqa: F811
    committed({"bj", "sh", "hq"})
    visit = bj_member_visiting_sh()
    with in_tenant("sh"):
        entry = _wait_for(lambda: directory.find_member(card_number=visit.member.card_number))
        assert entry is not None
        redemption = services.request_redemption(entry, "umbrella", 2, actor=visit.desk.user)
    reserved = _wait_for(_serving_status(redemption.request_id, "reserved"))
    assert reserved is not None, worker.stdout.read1().decode() if worker.poll() else "timeout"
    with in_tenant("sh"):
        services.fulfil(reserved, actor=visit.desk.user)
    completed = _wait_for(_serving_status(redemption.request_id, "completed"))
    assert completed is not None, worker.stdout.read1().decode() if worker.poll() else "timeout"
    with in_tenant("bj"):
        account = PointsAccount.objects.get()
        assert (account.balance, account.held) == (1000, 0)
        assert invariant_violations() == []
    with in_tenant("hq"):
        assert NationalRedemption.objects.get(request_id=redemption.request_id).status == (
            "committed"
        )
