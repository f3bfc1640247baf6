"""Sign-in, throttling, language choice and password hashing (issue 2 items 4 and 6)."""

import pytest
from django.conf import settings

from tests.conftest import in_tenant
from tests.factories import PASSWORD, make_org, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    with in_tenant("bj"):
        org = make_org()
        return make_staff(org.team_a, username="liuqiang", password=PASSWORD)


def test_sign_in_and_out(manager, tenant_client):
    client = tenant_client("bj")
    response = client.post("/accounts/login/", {"username": "liuqiang", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_pages_need_sign_in(tenant_client):
    for schema, path in [("bj", "/"), ("bj", "/org/"), ("bj", "/org/staff/"), ("hq", "/")]:
        response = tenant_client(schema).get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_is_throttled_after_repeated_failures(manager, tenant_client):
    client = tenant_client("bj")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "liuqiang", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "liuqiang", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked-out" in locked.content.decode()
    assert not locked.wsgi_request.user.is_authenticated


def test_lockout_in_one_province_does_not_lock_another(manager, tenant_client):
    with in_tenant("sh"):
        make_staff(make_org().team_a, username="liuqiang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        tenant_client("bj").post("/accounts/login/", {"username": "liuqiang", "password": "x"})
    sh = tenant_client("sh").post(
        "/accounts/login/", {"username": "liuqiang", "password": PASSWORD}
    )
    assert sh.status_code == 302


def test_passwords_are_hashed_with_argon2(manager):
    assert manager.user.password.startswith("argon2$")


def test_chinese_is_default_whatever_the_browser_asks(tenant_client):
    response = tenant_client("bj").get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_language_switch_to_english_and_back(tenant_client):
    client = tenant_client("bj")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    english = client.get("/accounts/login/")
    assert english["Content-Language"] == "en" and "Sign in" in english.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/accounts/login/").content.decode()
