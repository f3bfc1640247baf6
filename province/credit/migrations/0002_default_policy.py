"""The default credit policy (R2.3): the thresholds and multipliers of docs/credit.md."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    # grade, min score, multiplier, grace days, suspension %, deposit, warning %
    ("A", "85", "3.0", 30, "120", False, "80"),
    ("B", "70", "2.0", 15, "100", False, "80"),
    ("C", "50", "1.0", 7, "100", True, "70"),
    ("D", "0", "0", 0, "0", True, "0"),
]


def create_default_policy(apps, schema_editor):
    CreditPolicy = apps.get_model("credit", "CreditPolicy")
    CreditGradeRule = apps.get_model("credit", "CreditGradeRule")
    if CreditPolicy.objects.exists():
        return
    policy = CreditPolicy.objects.create(
        name="Standard credit policy",
        is_active=True,
        description="Default parameters; see docs/credit.md.",
    )
    for grade, score, multiplier, grace, suspension, deposit, warning in DEFAULT_RULES:
        CreditGradeRule.objects.create(
            policy=policy,
            grade=grade,
            min_score=Decimal(score),
            limit_multiplier=Decimal(multiplier),
            grace_days=grace,
            suspension_pct=Decimal(suspension),
            deposit_required=deposit,
            warning_pct=Decimal(warning),
        )


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]
