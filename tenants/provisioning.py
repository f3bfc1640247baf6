"""Creating the federation's tenants: public, per-type templates, HQ and provinces.

Every function here is idempotent: it creates what is missing, corrects what differs and
leaves what is right untouched, so ``bootstrap`` can run on every start. New hq/province
tenants are cloned from their type's template schema (TENANT_TYPES[type]["BASE_SCHEMA"]),
which is itself a tenant row so that ``migrate_schemas`` keeps it current.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from tenants.models import HQ_SCHEMA, Domain, Tenant, TenantType
from tenants.provinces import PROVINCES, Province


@dataclass(frozen=True)
class ProvisionResult:
    schema_name: str
    action: str  # "created", "updated" or "unchanged"


def template_schema_name(tenant_type: str) -> str:
    return settings.TENANT_TYPES[tenant_type]["BASE_SCHEMA"]


def _ensure_tenant(
    schema_name: str, *, domain: str | None, verbosity: int = 0, **fields
) -> ProvisionResult:
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(schema_name=schema_name).first()
    if tenant is None:
        tenant = Tenant(schema_name=schema_name, **fields)
        # Saving a new tenant creates its schema (cloned from the template when one exists).
        tenant.save(verbosity=verbosity)
        action = "created"
    else:
        changed = [name for name, value in fields.items() if getattr(tenant, name) != value]
        for name in changed:
            setattr(tenant, name, fields[name])
        if changed:
            tenant.save(update_fields=changed)
        action = "updated" if changed else "unchanged"
    if domain and _ensure_primary_domain(tenant, domain) and action == "unchanged":
        action = "updated"
    connection.set_schema_to_public()
    return ProvisionResult(schema_name, action)


def _ensure_primary_domain(tenant: Tenant, domain: str) -> bool:
    """Make ``domain`` the tenant's primary domain; return whether anything changed."""
    current = Domain.objects.filter(tenant=tenant, is_primary=True).first()
    if current is not None and current.domain == domain:
        return False
    with transaction.atomic():
        Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
        Domain.objects.update_or_create(
            domain=domain, defaults={"tenant": tenant, "is_primary": True}
        )
    return True


def ensure_public(base_domain: str) -> ProvisionResult:
    return _ensure_tenant(
        settings.PUBLIC_SCHEMA_NAME,
        domain=base_domain,
        type=TenantType.PUBLIC,
        name_zh="公共",
        name_en="Public",
    )


def ensure_template(tenant_type: str, verbosity: int = 0) -> ProvisionResult:
    return _ensure_tenant(
        template_schema_name(tenant_type),
        domain=None,
        verbosity=verbosity,
        type=tenant_type,
        is_template=True,
        name_zh="模板",
        name_en="Template",
    )


def ensure_hq(base_domain: str) -> ProvisionResult:
    return _ensure_tenant(
        HQ_SCHEMA,
        domain=f"hq.{base_domain}",
        type=TenantType.HQ,
        name_zh="总部",
        name_en="Headquarters",
    )


def ensure_province(province: Province, base_domain: str) -> ProvisionResult:
    return _ensure_tenant(
        province.short,
        domain=f"{province.short}.{base_domain}",
        type=TenantType.PROVINCE,
        code=province.code,
        name_zh=province.name_zh,
        name_en=province.name_en,
    )


def bootstrap(
    base_domain: str,
    provinces: Iterable[Province] = PROVINCES,
    on_progress: Callable[[int, int, ProvisionResult], None] | None = None,
    verbosity: int = 0,
) -> list[ProvisionResult]:
    """Create or correct the public tenant, both templates, HQ and the given provinces."""
    provinces = list(provinces)
    steps: list[Callable[[], ProvisionResult]] = [
        lambda: ensure_public(base_domain),
        lambda: ensure_template(TenantType.HQ, verbosity),
        lambda: ensure_template(TenantType.PROVINCE, verbosity),
        lambda: ensure_hq(base_domain),
        *[lambda p=p: ensure_province(p, base_domain) for p in provinces],
    ]
    results = []
    for index, step in enumerate(steps, start=1):
        result = step()
        results.append(result)
        if on_progress:
            on_progress(index, len(steps), result)
    return results
