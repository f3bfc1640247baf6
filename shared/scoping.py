"""Row visibility (R9.2, DESIGN.md §3): one helper that every list, detail, export and API
view uses.

``Model.objects.visible_to(user)`` returns what ``user`` may see. Holders of the
``accounts.view_all_records`` permission (province administrators, read-only auditors, HQ
roles) see the whole tenant; everyone else sees what the model's ``visibility_filter(user)``
allows (for example the subtree of the user's org unit).
"""

from django.db import models

VIEW_ALL_PERMISSION = "accounts.view_all_records"


def sees_everything(user) -> bool:
    return bool(user.is_superuser or user.has_perm(VIEW_ALL_PERMISSION))


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_everything(user):
            return self
        return self.filter(self.model.visibility_filter(user))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
