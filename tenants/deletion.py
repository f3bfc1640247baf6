"""Deleting rows in a multi-type tenant.

Django's deletion collector looks for related rows in every installed model. With tenant
types, a schema holds only the tables of its own type's apps, so deleting a user at HQ
queried province-only tables that reference users (``org_staff``…) and failed, and the
reverse. Rows of an app that is not installed in the current schema cannot exist there, so
the collector is taught to skip those relations: the same test django-tenants' router uses to
decide which apps a schema has (``allow_migrate``).
"""

from django.db.models import deletion, signals
from django_tenants import signals as tenant_signals
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
    _listen_to_tenant_deletes_only()


def _listen_to_tenant_deletes_only() -> None:
    """django-tenants listens to ``post_delete`` of every model (to drop a deleted tenant's
    schema), and a model with a delete listener cannot be fast-deleted: every
    ``queryset.delete()`` in the project loaded each row first (replacing a month of
    indicator facts fetched all of them). The callback only acts on tenants, so it now
    listens to the tenant model alone."""
    from tenants.models import Tenant

    callback = tenant_signals.tenant_delete_callback
    signals.post_delete.disconnect(callback)
    signals.post_delete.connect(callback, sender=Tenant, weak=False)
