"""The tenant registry, living in the public schema (DESIGN.md §1).

A tenant is HQ, a province, or a per-type template schema that new tenants are cloned
from. Templates have no domain and cannot be reached over HTTP.
"""

from django.db import models
from django.utils.translation import get_language
from django_tenants.models import DomainMixin, TenantMixin


class TenantType(models.TextChoices):
    PUBLIC = "public", "Public"
    HQ = "hq", "Headquarters"
    PROVINCE = "province", "Province"


# The one HQ tenant's schema (``provisioning.ensure_hq`` creates it under this name).
HQ_SCHEMA = "hq"


class Tenant(TenantMixin):
    """One schema of the federation: the public registry, HQ, a province, or a template."""

    type = models.CharField(max_length=16, choices=TenantType.choices)
    code = models.CharField(
        max_length=6, blank=True, help_text="GB/T 2260 code of a province, e.g. 11 for Beijing."
    )
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64)
    is_template = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Cloning copies rows too, so roles and content types come along from the template.
    auto_create_schema = True
    clone_mode = "DATA"

    class Meta:
        ordering = ["type", "code", "schema_name"]
        verbose_name = "tenant"
        verbose_name_plural = "tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(type="province", is_template=False),
                name="tenants_tenant_unique_province_code",
                violation_error_message="Another province already has this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schema_name} ({self.name_en})"

    @property
    def display_name(self) -> str:
        """The name in the active language (Chinese unless English is active)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def is_province(self) -> bool:
        return self.type == TenantType.PROVINCE and not self.is_template

    @property
    def is_hq(self) -> bool:
        return self.type == TenantType.HQ and not self.is_template


class Domain(DomainMixin):
    """A host name routed to a tenant (``bj.localhost``)."""

    class Meta:
        ordering = ["domain"]
        verbose_name = "domain"
        verbose_name_plural = "domains"

    def __str__(self) -> str:
        return self.domain
