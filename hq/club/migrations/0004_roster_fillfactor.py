from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hqclub", "0003_entry_rules_level_drop"),
    ]

    operations = [
        # Leave room on each page so a member's new phone or name (no indexed column) is a
        # heap-only update, without a new entry in each of the roster's indexes.
        migrations.RunSQL(
            "ALTER TABLE hqclub_clubmember SET (fillfactor = 90)",
            reverse_sql="ALTER TABLE hqclub_clubmember RESET (fillfactor)",
        ),
    ]
