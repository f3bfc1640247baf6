"""pg_trgm in the public schema, so every tenant schema (search_path "<tenant>, public")
can use trigram indexes for name search (R2.1.2)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
