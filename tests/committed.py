"""Helpers for tests whose data must really be committed (a browser or a Celery worker in
another thread or process reads it). Such tests clean up after themselves: Django's flush
across tenant schemas is unreliable (DESIGN.md §8), so we truncate the data tables of the
schemas they touched, keeping what every schema is born with (roles, permissions, content
types, migration records)."""

import pytest
from django.db import connection

KEEP = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}


def truncate_tenant_data(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema_name],
        )
        tables = [row[0] for row in cursor.fetchall() if row[0] not in KEEP]
        if tables:
            names = ", ".join(f'"{schema_name}"."{t}"' for t in tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def committed(django_db_blocker):
    """Database access without the per-test transaction.

    ``committed({"bj", "hq"})`` empties those schemas' data tables now (whatever an aborted
    earlier run left) and again after the test.
    """
    touched: set[str] = set()

    def use(schema_names):
        for schema_name in set(schema_names) - touched:
            truncate_tenant_data(schema_name)
        touched.update(schema_names)

    with django_db_blocker.unblock():
        yield use
        connection.set_schema_to_public()
        for schema_name in touched:
            truncate_tenant_data(schema_name)
