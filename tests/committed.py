"""Helpers for tests whose data must really be committed (a browser or a Celery worker in
another thread or process reads it). Such tests clean up after themselves: Django's flush
across tenant schemas is unreliable (DESIGN.md §8), so we truncate the data tables of the
schemas they touched, keeping what every schema is born with (roles, permissions, content
types, migration records, and whatever data migrations seed, e.g. the default credit policy):
a table is kept when the type's template schema has rows in it."""

import pytest
from django.db import connection


def truncate_tenant_data(schema_name: str) -> None:
    template = "template_hq" if schema_name == "hq" else "template_province"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema_name],
        )
        tables = []
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{template}"."{table}")')
            if not cursor.fetchone()[0]:
                tables.append(table)
        # Not TRUNCATE … CASCADE: that would also empty kept tables that merely reference a
        # truncated one (a seeded policy has a created_by column). With foreign-key triggers
        # off for this session the rows can go in any order.
        cursor.execute("SET session_replication_role = replica")
        try:
            for table in tables:
                cursor.execute(f'DELETE FROM "{schema_name}"."{table}"')
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access without the per-test transaction.

    ``committed({"bj", "hq"})`` empties those schemas' data tables now (whatever an aborted
    earlier run left) and again after the test. It sets up the test database itself: a test
    that is the first of its session (run alone, or first on an xdist worker) would otherwise
    reach the development database named in the settings.
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
