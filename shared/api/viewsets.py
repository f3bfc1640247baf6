"""The base viewsets of every API resource (NetBox style: concrete viewsets are a few lines).

They authenticate (settings), check role permissions, restrict rows to what the user may
see (``visible_to``), filter (django-filter), order and paginate by cursor, and audit
unmasked personal data. Writes go through the resource's service functions: concrete
viewsets implement ``perform_create``/``perform_update``/``perform_destroy`` by calling them.

``TenantModelViewSet`` offers every action, ``TenantReadOnlyViewSet`` list and retrieve,
``TenantGenericViewSet`` none, so a resource
mixes in only the actions it has (a read-only record, a create that is a service call).
"""

from rest_framework import viewsets

from shared.accounts.services import record_personal_data_access

# No docstrings on these classes: drf-spectacular would show them as the description of
# every viewset that has none of its own.


class TenantScopedMixin:
    # Rows through ``visible_to(user)``, newest first by default, unmasking audited.
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        seen = request.__dict__.get("_unmasked_personal_data")
        if seen and response.status_code < 400:
            record_personal_data_access(request.user, request.path, seen)
        return response


class TenantModelViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    pass


class TenantReadOnlyViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    # List and retrieve only: resources written elsewhere (sync handlers, pages).
    pass


class TenantGenericViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    # No action: a resource mixes in the ones it has (e.g. a create that is a service call).
    pass
