"""Who is in the federation: tenants as the sync layer sees them (read from the registry).

Domain code at HQ asks here for the list of provinces instead of reading the tenant
registry itself, so the registry stays behind the sync boundary.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from tenants.models import Tenant, TenantType


@dataclass(frozen=True)
class Member:
    schema_name: str
    type: str
    code: str
    name_zh: str
    name_en: str
    domain: str | None
    is_active: bool

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


def _members(**filters) -> list[Member]:
    with schema_context(connection.schema_name):  # restores the caller's schema afterwards
        tenants = (
            Tenant.objects.filter(is_template=False, **filters)
            .exclude(type=TenantType.PUBLIC)
            .prefetch_related("domains")
            .order_by("code", "schema_name")
        )
        result = []
        for tenant in tenants:
            primary = next((d.domain for d in tenant.domains.all() if d.is_primary), None)
            result.append(
                Member(
                    tenant.schema_name,
                    tenant.type,
                    tenant.code,
                    tenant.name_zh,
                    tenant.name_en,
                    primary,
                    tenant.is_active,
                )
            )
        return result


def provinces() -> list[Member]:
    return _members(type=TenantType.PROVINCE)


def members() -> list[Member]:
    """HQ and every province: the tenants that take part in sync."""
    return _members()


def tenant_for(schema_name: str) -> Tenant:
    """The registry row of a sync member (raises Tenant.DoesNotExist for anything else)."""
    return Tenant.objects.exclude(type=TenantType.PUBLIC).get(
        schema_name=schema_name, is_template=False
    )


def each_active_province() -> Iterator[Member]:
    """Every active province, yielded with its schema active (beat jobs that fan out)."""
    for member in provinces():
        if member.is_active:
            with tenant_context(tenant_for(member.schema_name)):
                yield member
