"""The card-number sequence and the published standard as each province's starting point.

Published carrier practice (R2.2): average monthly spend over the prior 6 months of
150/300/450 yuan for silver/gold/diamond, strategic customers at least gold, valid 12
months. Provinces edit a new version of it rather than this row once runs have used it.
"""

import datetime
from decimal import Decimal

from django.db import migrations

PUBLISHED_RULES = {"silver": "150.00", "gold": "300.00", "diamond": "450.00"}


def create_published_standard(apps, schema_editor):
    LevelStandard = apps.get_model("levels", "LevelStandard")
    LevelRule = apps.get_model("levels", "LevelRule")
    if LevelStandard.objects.exists():
        return
    standard = LevelStandard.objects.create(
        name="Published practice",
        effective_from=datetime.date(2025, 1, 1),
        months=6,
        strategic_min_level="gold",
        validity_months=12,
        is_active=True,
    )
    LevelRule.objects.bulk_create(
        LevelRule(standard=standard, level=level, min_avg_monthly_paid=Decimal(amount))
        for level, amount in PUBLISHED_RULES.items()
    )


class Migration(migrations.Migration):
    dependencies = [("levels", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS levels_card_number_seq",
            "DROP SEQUENCE IF EXISTS levels_card_number_seq",
        ),
        migrations.RunPython(create_published_standard, migrations.RunPython.noop),
    ]
