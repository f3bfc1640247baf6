"""Routing and provisioning of tenants (DESIGN.md §1; issue 2 items 2 and 9)."""

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db


def test_each_host_reaches_its_tenant_type(tenant_client):
    province = tenant_client("bj").get("/accounts/login/")
    hq = tenant_client("hq").get("/accounts/login/")
    assert province.status_code == 200 and hq.status_code == 200
    assert province.wsgi_request.tenant.schema_name == "bj"
    assert province.wsgi_request.urlconf == "config.urls_province"
    assert hq.wsgi_request.urlconf == "config.urls_hq"
    # A province-only page does not exist on HQ and vice versa.
    assert tenant_client("hq").get("/org/").status_code == 404


def test_unknown_host_gets_404(client):
    assert client.get("/", HTTP_HOST="nowhere.localhost").status_code == 404
    # Templates are tenants without a domain: unreachable.
    assert client.get("/", HTTP_HOST="template_province.localhost").status_code == 404


def test_public_host_lists_hq_and_provinces(client):
    response = client.get("/", HTTP_HOST="localhost")
    assert response.status_code == 200
    body = response.content.decode()
    assert "//bj.localhost" in body and "//hq.localhost" in body


def _registry_snapshot():
    connection.set_schema_to_public()
    tenants = list(Tenant.objects.order_by("schema_name").values())
    domains = list(Domain.objects.order_by("domain").values())
    return tenants, domains


def test_bootstrap_twice_changes_nothing(capsys):
    before = _registry_snapshot()
    call_command("bootstrap", only=["bj", "sh"])
    out = capsys.readouterr().out
    assert "created" not in out and "updated" not in out
    assert _registry_snapshot() == before


def test_bootstrap_corrects_a_drifted_domain():
    Domain.objects.filter(domain="sh.localhost").update(is_primary=False)
    call_command("bootstrap", only=["sh"], verbosity=0)
    assert Domain.objects.get(domain="sh.localhost").is_primary


def test_provinces_carry_gb2260_codes_and_names():
    bj = Tenant.objects.get(schema_name="bj")
    assert (bj.type, bj.code, bj.name_zh, bj.name_en) == ("province", "11", "北京", "Beijing")
    assert Tenant.objects.get(schema_name="sh").code == "31"


def test_add_province_clones_the_template_with_roles(tenant_client):
    call_command("add_province", "xa", "99", "测试区", "Test Region", verbosity=0)
    tenant = Tenant.objects.get(schema_name="xa")
    assert tenant.type == "province" and tenant.domains.get().domain == "xa.localhost"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM xa.auth_group ORDER BY name")
        groups = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM xa.org_orgunit")
        assert cursor.fetchone()[0] == 0
    assert "province_admin" in groups and "hq_admin" not in groups
    assert tenant_client("xa").get("/accounts/login/").status_code == 200


def test_add_province_refuses_a_used_code():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already used"):
        call_command("add_province", "yy", "11", "重复", "Duplicate", verbosity=0)
