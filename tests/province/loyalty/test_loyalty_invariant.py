"""The invariant check (issue 4 item 9): ``check_points`` and ``invariant_violations``."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from loyalty_helpers import earn

from province.loyalty.invariant import invariant_violations
from province.loyalty.models import PointsAccount, PointsLot
from tests.factories import make_customer, make_org


def test_invariant_reports_a_tampered_balance_and_lot(bj, capsys):
    c = make_customer(make_org().manager_a)
    entry = earn(c, 100, expires_in_days=10)
    call_command("check_points", "--province", "bj")
    assert "consistent" in capsys.readouterr().out
    PointsAccount.objects.filter(customer=c).update(balance=90)
    PointsLot.objects.filter(entry=entry).update(remaining=90)
    problems = [str(v) for v in invariant_violations()]
    assert len(problems) == 2 and all(p.startswith(f"customer {c.pk}:") for p in problems)
    with pytest.raises(CommandError):
        call_command("check_points", "--province", "bj")
    # put it back, or the autouse check fails this test
    PointsAccount.objects.filter(customer=c).update(balance=100)
    PointsLot.objects.filter(entry=entry).update(remaining=100)
