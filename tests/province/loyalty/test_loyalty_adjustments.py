"""Manual adjustments (R2.4.7): with reason; above the threshold a supervisor approves."""

import pytest
from django.core.exceptions import ValidationError

from province.loyalty import services
from province.loyalty.choices import AdjustmentStatus, EntryKind
from province.loyalty.models import LoyaltySettings, PointsAccount
from shared.errors import Conflict
from tests.factories import make_customer, make_org


@pytest.fixture
def org(bj):
    return make_org()


def balance(customer) -> int:
    row = PointsAccount.objects.filter(customer=customer).first()
    return row.balance if row else 0


def test_r2_4_7_small_adjustments_post_at_once(org):
    c = make_customer(org.manager_a)
    with pytest.raises(ValidationError):
        services.request_adjustment(c, 100, actor=org.manager_a.user, reason=" ")
    up = services.request_adjustment(c, 5000, actor=org.manager_a.user, reason="Goodwill")
    assert up.status == AdjustmentStatus.APPROVED and up.entry.kind == EntryKind.ADJUST
    assert up.entry.lot.expires_at.month == 12  # the default validity
    down = services.request_adjustment(c, -300, actor=org.manager_a.user, reason="Duplicate")
    assert down.entry.points == -300 and down.entry.allocations.count() == 1
    assert balance(c) == 4700
    with pytest.raises(Conflict):
        services.request_adjustment(c, -4701, actor=org.manager_a.user, reason="Too much")


def test_r2_4_7_above_the_threshold_a_supervisor_approves(org):
    settings = LoyaltySettings.load()
    settings.adjustment_approval_threshold = 1000
    settings.save()
    c = make_customer(org.manager_a)
    request = services.request_adjustment(c, 1001, actor=org.manager_a.user, reason="Campaign")
    assert request.status == AdjustmentStatus.PENDING and request.entry is None
    assert balance(c) == 0
    with pytest.raises(Conflict) as refused:
        services.decide_adjustment(request, actor=org.manager_a.user, approve=True)
    assert refused.value.code == "own_request"
    approved = services.decide_adjustment(request, actor=org.supervisor_a.user, approve=True)
    assert (
        approved.status == AdjustmentStatus.APPROVED
        and approved.decided_by == org.supervisor_a.user
    )
    assert balance(c) == 1001
    with pytest.raises(Conflict):
        services.decide_adjustment(request, actor=org.supervisor_a.user, approve=True)

    other = services.request_adjustment(c, -2000, actor=org.manager_a.user, reason="Fraud")
    with pytest.raises(ValidationError):
        services.decide_adjustment(other, actor=org.supervisor_a.user, approve=False)
    rejected = services.decide_adjustment(
        other, actor=org.supervisor_a.user, approve=False, note="Not proven"
    )
    assert rejected.status == AdjustmentStatus.REJECTED and balance(c) == 1001
