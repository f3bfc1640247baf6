"""The suite on several pytest-xdist workers (``make test`` runs two).

Each worker has a test database of its own (pytest-django names it ``<name>_gw0``,
``<name>_gw1``) and a Celery queue of its own, so tests that commit data, start a Celery
worker or purge the queue never meet another worker's.

Building a test database (migrating the public schema and both templates, then cloning
HQ and the provinces) is most of a minute of CPU. Rather than every worker doing it at
once, the xdist controller builds it once, as ``<name>_template``, before the workers
start; each worker copies it (``CREATE DATABASE … TEMPLATE``, a second or two) and then
runs the usual set-up on the copy, where migrate and bootstrap find nothing to do. The
controller drops the template at the end. With ``--reuse-db`` a worker keeps its database
from the last run, and the template is built only when some worker has none.

Run as a script (``python -m tests.parallel NAME``) it builds the test database NAME.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_KEY = "kacrm_template_database"
_template = pytest.StashKey[str]()  # on the controller: the template it built


def test_database_name() -> str:
    """The test database's name: on an xdist worker with its suffix, once pytest-django's
    django_db_modify_db_settings has added it."""
    from django.conf import settings

    return settings.DATABASES["default"]["TEST"]["NAME"]


def _server():
    """An autocommit connection to the server's maintenance database."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {
        "dbname": "postgres",
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    conn = psycopg2.connect(**{key: value for key, value in params.items() if value})
    conn.autocommit = True
    return conn


def database_exists(name: str) -> bool:
    conn = _server()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def _execute(sql: str) -> None:
    conn = _server()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


# --- controller ------------------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    reuse = config.getvalue("reuse_db") and not config.getvalue("create_db")
    base = test_database_name()
    if reuse and all(database_exists(f"{base}_{spec.id}") for spec in specs):
        return
    template = f"{base}_template"
    # A process of its own: this one's connections must not hold the template open.
    subprocess.run(
        [sys.executable, "-m", "tests.parallel", template],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config.stash[_template] = template


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    template = node.config.stash.get(_template, None)
    if template:
        node.workerinput[TEMPLATE_KEY] = template


def pytest_sessionfinish(session):
    template = session.config.stash.get(_template, None)
    if template:
        _execute(f'DROP DATABASE IF EXISTS "{template}"')


# --- worker ----------------------------------------------------------------------------


def pytest_configure(config):
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        from django.conf import settings

        from config.celery import app

        queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{workerinput['workerid']}"
        settings.CELERY_TASK_DEFAULT_QUEUE = queue
        app.conf.task_default_queue = queue
        os.environ["CELERY_QUEUE"] = queue  # for the processes the tests start


def copy_template_database(config, *, keep_existing: bool) -> bool:
    """Make this worker's test database a copy of the controller's template; return whether
    it did (False outside xdist, without a template, or when keeping an existing one)."""
    template = getattr(config, "workerinput", {}).get(TEMPLATE_KEY)
    if not template:
        return False
    name = test_database_name()  # with this worker's suffix by now
    if keep_existing and database_exists(name):
        return False
    _execute(f'DROP DATABASE IF EXISTS "{name}"')
    _execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return True


# --- the template ----------------------------------------------------------------------


def build(name: str) -> None:
    """Create the test database ``name`` the way a serial run's set-up does."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    from tests.conftest import create_test_tenants

    settings.DATABASES["default"]["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    create_test_tenants()
    connection.close()


if __name__ == "__main__":
    build(sys.argv[1])
