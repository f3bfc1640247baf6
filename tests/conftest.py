"""Test set-up for a schema-per-tenant project (DESIGN.md §8).

The test database is created once per session: public schema migrated, then the
templates, HQ and two provinces (bj, sh) created by cloning, exactly as ``bootstrap`` does
in production. Each test then runs inside pytest-django's per-test transaction. Clients
are bound to a host name, so every request goes through the real tenant middleware.

Under pytest-xdist each worker has a database and a Celery queue of its own, its database
copied from one the controller builds once (``tests/parallel.py``).
"""

import contextlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

TEST_PROVINCES = ("bj", "sh")

pytest_plugins = ["tests.committed", "tests.parallel"]


def create_test_tenants():
    """The templates, HQ and the test provinces, as ``bootstrap`` creates them."""
    call_command("bootstrap", only=list(TEST_PROVINCES), verbosity=0)
    connection.set_schema_to_public()


@pytest.fixture(scope="session")
def _test_database_copied(request, django_db_modify_db_settings):
    """Whether this xdist worker's database was just copied from the template."""
    from tests.parallel import copy_template_database

    reuse = request.config.getvalue("reuse_db") and not request.config.getvalue("create_db")
    return copy_template_database(request.config, keep_existing=reuse)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
    _test_database_copied,
):
    """The test database, with the test tenants (replaces pytest-django's fixture).

    pytest-django sets up only the databases that the session's tests ask for through
    ``db`` or the django_db marker. The ``committed`` tests ask for neither, so a session of
    only those (``-m worker``, ``-m browser``, one such module) used to run against the
    development database named in the settings. This one always sets up the default
    database. A database copied from the xdist template is set up as an existing one
    (migrate and bootstrap find nothing to do).
    """
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    keepdb = (django_db_keepdb and not django_db_createdb) or _test_database_copied
    with django_db_blocker.unblock():
        databases = setup_databases(
            verbosity=verbosity,
            interactive=False,
            keepdb=keepdb,
            aliases={"default"},
            serialized_aliases=set(),
        )
        create_test_tenants()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(databases, verbosity=verbosity)


@pytest.fixture(autouse=True)
def _public_schema_around_each_test():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


def get_tenant(schema_name: str):
    from tenants.models import Tenant

    with contextlib.ExitStack():
        previous = connection.tenant
        connection.set_schema_to_public()
        try:
            return Tenant.objects.get(schema_name=schema_name)
        finally:
            connection.set_tenant(previous)


@contextlib.contextmanager
def in_tenant(schema_name: str):
    """Run the block in ``schema_name``'s schema (with the real tenant object)."""
    with tenant_context(get_tenant(schema_name)):
        yield


class _TenantBoundMixin:
    """A test client for one host; the test's own schema is restored after each request."""

    def __init__(self, schema_name: str, *args, **kwargs):
        self.schema_name = schema_name
        super().__init__(*args, HTTP_HOST=f"{schema_name}.localhost", **kwargs)

    def request(self, **request):
        previous = connection.tenant
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(previous)

    def login_as(self, user):
        with in_tenant(self.schema_name):
            self.force_login(user)
        return self


class TenantClient(_TenantBoundMixin, Client):
    pass


class TenantAPIClient(_TenantBoundMixin, APIClient):
    def login_as(self, user):
        self.force_authenticate(user)
        return self


@pytest.fixture
def tenant_client():
    """``tenant_client("bj", user=None)``: an HTML client on bj.localhost."""

    def make(schema_name: str, user=None) -> TenantClient:
        client = TenantClient(schema_name)
        return client.login_as(user) if user is not None else client

    return make


@pytest.fixture
def api_client():
    """``api_client("bj", user=None)``: a DRF client on bj.localhost."""

    def make(schema_name: str, user=None) -> TenantAPIClient:
        client = TenantAPIClient(schema_name)
        return client.login_as(user) if user is not None else client

    return make


@pytest.fixture
def bj(db):
    """Run the test body in Beijing's schema."""
    with in_tenant("bj"):
        yield get_tenant("bj")


@pytest.fixture
def sh(db):
    with in_tenant("sh"):
        yield get_tenant("sh")


@pytest.fixture
def english():
    """Service messages in English, for tests that read them (zh-hans is the default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
