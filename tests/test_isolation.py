"""Tenant isolation: nothing of one province is visible or changeable from another's host
or from HQ (DESIGN.md §1, R9.2). Every page and endpoint a tenant serves is checked."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from province.org.models import OrgUnit, Staff
from tests.conftest import in_tenant
from tests.factories import PASSWORD, make_org, make_staff, make_user

pytestmark = pytest.mark.django_db

MARKER = "ZZBEIJINGONLYZZ"


@pytest.fixture
def beijing():
    with in_tenant("bj"):
        org = make_org()
        secret = make_staff(
            org.team_a, name=MARKER, employee_no=MARKER, username="bjsecret", password=PASSWORD
        )
    return org, secret


def test_a_bj_user_cannot_sign_in_on_sh(beijing, tenant_client):
    _org, secret = beijing
    data = {"username": secret.user.username, "password": PASSWORD}
    ok = tenant_client("bj").post("/accounts/login/", data)
    assert ok.status_code == 302  # the account works at home
    refused = tenant_client("sh").post("/accounts/login/", data)
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated
    hq = tenant_client("hq").post("/accounts/login/", data)
    assert not hq.wsgi_request.user.is_authenticated


def _get_routes(urlconf: str) -> list[str]:
    """Every GET-able path of a URLconf, with sample ids for path parameters."""
    paths = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                paths.append(route)

    walk(get_resolver(urlconf).url_patterns, "")
    return paths


def _concrete(route: str, ids: list[int]) -> list[str]:
    import re

    if "admin/" in route or "(?P<format>" in route or "\\.(?P" in route:
        return []
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    if re.search(r"<int:pk>|\(\?P<pk>", route):
        return [re.sub(r"<int:pk>|\(\?P<pk>[^)]*\)", str(i), route) for i in ids]
    if "<" in route or "(?P" in route:
        return []
    return [route]


@pytest.mark.parametrize("schema", ["sh", "hq"])
def test_no_bj_row_visible_from_any_sh_or_hq_page_or_endpoint(beijing, tenant_client, schema):
    org, secret = beijing
    with in_tenant(schema):
        viewer = make_org().admin.user if schema == "sh" else make_user(["hq_admin"])
    client = tenant_client(schema, viewer)
    urlconf = "config.urls_province" if schema == "sh" else "config.urls_hq"
    ids = [secret.pk, org.team_a.pk, org.root.pk]
    checked = 0
    for route in _get_routes(urlconf):
        for path in _concrete(route, ids):
            response = client.get("/" + path)
            assert response.status_code < 500, path
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert MARKER.encode() not in body, path
            checked += 1
    assert checked >= 8


def test_sh_admin_cannot_change_or_delete_bj_rows_by_id(beijing, api_client):
    org, secret = beijing
    with in_tenant("sh"):
        admin = make_org().admin.user
    client = api_client("sh", admin)
    assert (
        client.patch(f"/api/org/staff/{secret.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/org/units/{org.team_b.pk}/").status_code == 404
    with in_tenant("bj"):
        assert Staff.objects.get(pk=secret.pk).name == MARKER
        assert OrgUnit.objects.filter(pk=org.team_b.pk).exists()


def test_api_token_of_bj_is_useless_on_sh(beijing, api_client):
    from rest_framework.authtoken.models import Token

    _org, secret = beijing
    with in_tenant("bj"):
        token = Token.objects.create(user=secret.user)
    client = api_client("sh")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/org/staff/").status_code == 401
    home = api_client("bj")
    home.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert home.get("/api/org/staff/").status_code == 200
