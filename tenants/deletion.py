"""Deleting rows in a multi-type tenant.

Django's deletion collector looks for related rows in every installed model. With tenant
types, a schema holds only the tables of its own type's apps, so deleting a user at HQ
queried province-only tables that reference users (``org_staff``…) and failed, and the
reverse. Rows of an app that is not installed in the current schema cannot exist there, so
the collector is taught to skip those relations: the same test django-tenants' router uses to
decide which apps a schema has (``allow_migrate``).
"""

from django.db.models import deletion
from django_tenants.routers import TenantSyncRouter
from django_tenants.utils import get_tenant_database_alias

_all_candidates = deletion.get_candidate_relations_to_delete
_router = TenantSyncRouter()


def candidate_relations_in_this_schema(opts):
    alias = get_tenant_database_alias()
    return (
        relation
        for relation in _all_candidates(opts)
        if _router.allow_migrate(alias, relation.related_model._meta.app_label) is not False
    )


def install() -> None:
    """Called once from ``TenantsConfig.ready``."""
    deletion.get_candidate_relations_to_delete = candidate_relations_in_this_schema
