"""The default earning rule and validity policy (R2.4.2, R2.4.3): the published practice,
1 point per yuan of paid bill (a national standard) and points earned in year N lapse at
the end of year N+2."""

from datetime import date

from django.db import migrations


def create_defaults(apps, schema_editor):
    EarningRule = apps.get_model("loyalty", "EarningRule")
    ValidityPolicy = apps.get_model("loyalty", "ValidityPolicy")
    LoyaltySettings = apps.get_model("loyalty", "LoyaltySettings")
    if not EarningRule.objects.exists():
        EarningRule.objects.create(
            name="1 point per yuan paid",
            scope="national",
            kind="base",
            points_per_yuan=1,
            multiplier=1,
            valid_from=date(2000, 1, 1),
            is_active=True,
        )
    if not ValidityPolicy.objects.exists():
        ValidityPolicy.objects.create(
            name="End of the second year after earning", years_after=2, is_active=True
        )
    if not LoyaltySettings.objects.exists():
        LoyaltySettings.objects.create(adjustment_approval_threshold=5000)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
