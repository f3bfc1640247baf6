"""Reusable API test mixins (NetBox style: a test class is data, the tests are inherited).

A concrete class sets ``schema`` (tenant), ``base_url`` and implements ``make_object()``,
``create_data()`` and ``update_data()``; ``reader``, ``writer`` and ``outsider`` are users
built in ``setup_roles()``. Each mixin adds the CRUD and permission tests for one action.
"""

import pytest


class APIResourceTestBase:
    schema = "bj"
    base_url = ""

    @pytest.fixture(autouse=True)
    def _scenario(self, db, api_client):
        from tests.conftest import in_tenant

        with in_tenant(self.schema):
            self.setup_roles()
        self.api_client = api_client

    # --- to implement ---------------------------------------------------------------
    def setup_roles(self):  # set self.reader, self.writer, self.outsider (users)
        raise NotImplementedError

    def make_object(self):
        raise NotImplementedError

    def create_data(self) -> dict:
        raise NotImplementedError

    def update_data(self) -> dict:
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------
    def client_as(self, user):
        return self.api_client(self.schema, user)

    def detail_url(self, pk) -> str:
        return f"{self.base_url}{pk}/"

    def in_schema(self):
        from tests.conftest import in_tenant

        return in_tenant(self.schema)


class ListViewMixin:
    def test_list_requires_login(self):
        assert self.api_client(self.schema).get(self.base_url).status_code in (401, 403)

    def test_list_returns_visible_objects(self):
        with self.in_schema():
            obj = self.make_object()
        response = self.client_as(self.reader).get(self.base_url)
        assert response.status_code == 200, response.content
        assert obj.pk in [row["id"] for row in response.json()["results"]]
        assert "next" in response.json()  # cursor pagination, no count

    def test_list_forbidden_without_view_permission(self):
        response = self.client_as(self.outsider).get(self.base_url)
        assert response.status_code == 403
        assert set(response.json()) >= {"code", "message", "fields"}


class RetrieveViewMixin:
    def test_retrieve(self):
        with self.in_schema():
            obj = self.make_object()
        response = self.client_as(self.reader).get(self.detail_url(obj.pk))
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk

    def test_retrieve_missing_is_404_with_error_body(self):
        response = self.client_as(self.reader).get(self.detail_url(987654321))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class CreateViewMixin:
    def test_create(self):
        response = self.client_as(self.writer).post(
            self.base_url, self.create_data(), format="json"
        )
        assert response.status_code == 201, response.content
        with self.in_schema():
            assert self.model.objects.filter(pk=response.json()["id"]).exists()

    def test_create_forbidden_for_reader(self):
        with self.in_schema():
            before = self.model.objects.count()
        response = self.client_as(self.reader).post(
            self.base_url, self.create_data(), format="json"
        )
        assert response.status_code == 403
        with self.in_schema():
            assert self.model.objects.count() == before

    def test_create_with_empty_body_is_400_with_field_errors(self):
        with self.in_schema():
            before = self.model.objects.count()
        response = self.client_as(self.writer).post(self.base_url, {}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and body["fields"]
        with self.in_schema():
            assert self.model.objects.count() == before


class UpdateViewMixin:
    def test_update(self):
        with self.in_schema():
            obj = self.make_object()
        data = self.update_data()
        response = self.client_as(self.writer).patch(self.detail_url(obj.pk), data, format="json")
        assert response.status_code == 200, response.content
        for field, value in data.items():
            assert response.json()[field] == value

    def test_update_forbidden_for_reader(self):
        with self.in_schema():
            obj = self.make_object()
        response = self.client_as(self.reader).patch(
            self.detail_url(obj.pk), self.update_data(), format="json"
        )
        assert response.status_code == 403


class DeleteViewMixin:
    def test_delete(self):
        with self.in_schema():
            obj = self.make_object()
        response = self.client_as(self.writer).delete(self.detail_url(obj.pk))
        assert response.status_code == 204, response.content
        with self.in_schema():
            assert not self.model.objects.filter(pk=obj.pk).exists()

    def test_delete_forbidden_for_reader(self):
        with self.in_schema():
            obj = self.make_object()
        assert self.client_as(self.reader).delete(self.detail_url(obj.pk)).status_code == 403
        with self.in_schema():
            assert self.model.objects.filter(pk=obj.pk).exists()


class CRUDTestMixins(
    ListViewMixin, RetrieveViewMixin, CreateViewMixin, UpdateViewMixin, DeleteViewMixin
):
    pass
