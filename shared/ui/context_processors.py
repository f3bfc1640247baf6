"""Template context every page needs: the tenant being served and its type."""

from django.db import connection


def tenant(request):
    current = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
    tenant_type = current.get_tenant_type() if hasattr(current, "get_tenant_type") else None
    return {"tenant": current, "tenant_type": tenant_type}
