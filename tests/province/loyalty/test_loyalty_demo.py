"""Demo points (``seed_demo``, ``make run``): the catalogue and the accrual of every demo
billing month, through the production services and idempotent (R2.4.4, R2.4.6)."""

from django.core.management import call_command
from django.db.models import Sum

from province.customers.choices import BillStatus
from province.customers.models import Bill
from province.loyalty.demo import CATALOGUE
from province.loyalty.models import AccrualRun, PointsAccount, PointsEntry, RewardItem
from tests.factories import make_org


def test_seed_demo_accrues_every_paid_month_and_the_catalogue_once(bj):
    make_org()
    call_command("seed_demo", province=["bj"], customers=40, verbosity=0)
    entries = PointsEntry.objects.count()
    balance = PointsAccount.objects.aggregate(s=Sum("balance"))["s"]
    call_command("seed_demo", province=["bj"], customers=40, verbosity=0)

    months = Bill.objects.values("period").distinct().count()
    assert AccrualRun.objects.filter(status="done").count() == months
    paid = Bill.objects.filter(status=BillStatus.PAID, amount_paid__gt=0).count()
    # one earn entry per paid bill (plus on-time bonuses), nothing twice after the re-run
    assert PointsEntry.objects.filter(kind="earn").count() == paid
    assert PointsEntry.objects.count() == entries
    assert PointsAccount.objects.aggregate(s=Sum("balance"))["s"] == balance > 0
    assert RewardItem.objects.count() == len(CATALOGUE)
