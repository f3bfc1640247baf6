"""Seed HQ's indicator catalogue (appendix 1) from ``hq/indicators/catalogue.py``.

The catalogue module is frozen data for this migration: later changes to the standard are
made in the table (and published as a new version), or by a new data migration.
"""

from django.db import migrations

from hq.indicators.catalogue import CATALOGUE


def seed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    for position, entry in enumerate(CATALOGUE):
        IndicatorDefinition.objects.update_or_create(
            code=entry["code"], defaults={**entry, "position": position}
        )


def unseed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    IndicatorDefinition.objects.filter(code__in=[e["code"] for e in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
