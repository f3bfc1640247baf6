"""Property-based API test: schemathesis generates requests from the committed OpenAPI
document; whatever it sends, the API answers with no 5xx (bad input is a 4xx).

Most of the cases come from schemathesis' coverage phase, which max_examples does not bound
(about 15,000 province requests against 5,000 from fuzzing), so what costs is each request
and what each test builds. Hence: the province org is built once for the module, not once
for each of the 200+ operations; each test sends its cases through one client; and a case
that comes out as a request already refused (4xx) in the same test, with nothing accepted
since, is not sent again (a quarter of the cases: this harness sends neither the headers
nor the media types that tell those cases apart).
"""

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, settings

from tests.committed import truncate_tenant_data
from tests.conftest import in_tenant
from tests.factories import make_org

ROOT = Path(__file__).resolve().parent.parent
province_schema = schemathesis.openapi.from_path(ROOT / "openapi" / "province.yaml")
hq_schema = schemathesis.openapi.from_path(ROOT / "openapi" / "hq.yaml")


@pytest.fixture(scope="module")
def _province_admin_id(django_db_setup, django_db_blocker):
    """The province org, committed once for the module; each test's transaction rolls back
    whatever its requests did to it. bj's data tables are emptied before (what an aborted
    earlier run left) and after, as the ``committed`` fixture does."""
    with django_db_blocker.unblock():
        truncate_tenant_data("bj")
        with in_tenant("bj"):
            admin_id = make_org().admin.user_id
        yield admin_id
        connection.set_schema_to_public()
        truncate_tenant_data("bj")


@pytest.fixture
def province_admin(_province_admin_id, db):
    # A fresh instance per test: requests may cache permissions on the user object.
    from shared.accounts.models import User

    with in_tenant("bj"):
        return User.objects.get(pk=_province_admin_id)


@pytest.fixture
def hq_admin(db):
    from tests.factories import make_user

    with in_tenant("hq"):
        return make_user(["hq_admin"])


def _given(value):
    """Schemathesis marks absent parts with a NotSet sentinel."""
    return None if type(value).__name__ == "NotSet" else value


class CaseSender:
    """Sends one test's cases through one client and asserts each answer is not a 5xx.

    A request the API refused (4xx) changed nothing, so the same request sent again before
    anything is accepted meets the same data and gets the same answer: it is skipped. Any
    answer below 400 may have changed data, and every request is sent again after it.
    """

    def __init__(self, client):
        self.client = client
        self.refused: set[tuple] = set()

    def __call__(self, case) -> None:
        method = case.method.lower()
        path = case.formatted_path
        query = _given(case.query)
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        payload = None
        if method in {"post", "put", "patch"}:
            body = _given(case.body)
            try:
                payload = json.dumps(body if body is not None else {})
            except (TypeError, ValueError):  # e.g. raw bytes: send them as they are
                payload = body if isinstance(body, bytes) else str(body)
        request = (method, path, payload)
        if request in self.refused:
            return
        self.client.cookies.clear()  # each case as from a new client
        if payload is not None:
            response = getattr(self.client, method)(path, payload, content_type="application/json")
        else:
            response = self.client.generic(method.upper(), path)
        assert response.status_code < 500, (case.method, path, case.body, response.content[:500])
        if response.status_code >= 400:
            self.refused.add(request)
        else:
            self.refused.clear()


@pytest.fixture
def send_as_province_admin(province_admin, api_client):
    return CaseSender(api_client("bj", province_admin))


@pytest.fixture
def send_as_hq_admin(hq_admin, api_client):
    return CaseSender(api_client("hq", hq_admin))


@province_schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_province_api_never_answers_5xx(case, send_as_province_admin):
    send_as_province_admin(case)


@hq_schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_hq_api_never_answers_5xx(case, send_as_hq_admin):
    send_as_hq_admin(case)
