"""Compress outbox and inbox payloads with lz4 instead of pglz: storing a full roster's
messages took twice as long with pglz (measured in bench/federation.py). A server built
without lz4 keeps pglz: the change is only about speed."""

from django.db import migrations

TABLES = ("sync_outboxmessage", "sync_inboxmessage")


def _set_compression(method: str) -> str:
    statements = " ".join(
        f"ALTER TABLE {table} ALTER COLUMN payload SET COMPRESSION {method};" for table in TABLES
    )
    return f"DO $$ BEGIN {statements} EXCEPTION WHEN feature_not_supported THEN NULL; END $$;"


class Migration(migrations.Migration):
    dependencies = [("sync", "0003_memberdirectoryentry")]

    operations = [
        migrations.RunSQL(_set_compression("lz4"), reverse_sql=_set_compression("pglz")),
    ]
