"""Property-based API test: schemathesis generates requests from the committed OpenAPI
document; whatever it sends, the API answers with no 5xx (bad input is a 4xx)."""

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import in_tenant
from tests.factories import make_org

ROOT = Path(__file__).resolve().parent.parent
province_schema = schemathesis.openapi.from_path(ROOT / "openapi" / "province.yaml")
hq_schema = schemathesis.openapi.from_path(ROOT / "openapi" / "hq.yaml")


@pytest.fixture
def province_admin(db):
    with in_tenant("bj"):
        return make_org().admin.user


def _given(value):
    """Schemathesis marks absent parts with a NotSet sentinel."""
    return None if type(value).__name__ == "NotSet" else value


@province_schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_province_api_never_answers_5xx(case, province_admin, api_client):
    _assert_no_server_error(case, api_client("bj", province_admin))


@pytest.fixture
def hq_admin(db):
    from tests.factories import make_user

    with in_tenant("hq"):
        return make_user(["hq_admin"])


@hq_schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_hq_api_never_answers_5xx(case, hq_admin, api_client):
    _assert_no_server_error(case, api_client("hq", hq_admin))


def _assert_no_server_error(case, client):
    method = case.method.lower()
    path = case.formatted_path
    query = _given(case.query)
    if query:
        path = f"{path}?{urlencode(query, doseq=True)}"
    if method in {"post", "put", "patch"}:
        body = _given(case.body)
        try:
            payload = json.dumps(body if body is not None else {})
        except (TypeError, ValueError):  # e.g. raw bytes: send them as they are
            payload = body if isinstance(body, bytes) else str(body)
        response = getattr(client, method)(path, payload, content_type="application/json")
    else:
        response = client.generic(method.upper(), path)
    assert response.status_code < 500, (case.method, path, case.body, response.content[:500])
