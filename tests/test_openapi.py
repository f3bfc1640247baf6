"""The committed OpenAPI documents are current (regenerate with ``make schema``)."""

from pathlib import Path

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "urlconf, path",
    [("config.urls_province", "openapi/province.yaml"), ("config.urls_hq", "openapi/hq.yaml")],
)
def test_committed_schema_is_current(urlconf, path):
    with translation.override("en"):
        schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
        generated = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    committed = (ROOT / path).read_text(encoding="utf-8")
    assert generated == committed, f"{path} is stale: run `make schema` and commit it"


def test_schema_served_in_every_tenant(db, api_client):
    for schema_name in ("bj", "hq"):
        response = api_client(schema_name).get("/api/schema/")
        assert response.status_code == 200
        assert b"openapi" in response.content
    docs = api_client("sh").get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
