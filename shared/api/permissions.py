"""Role permissions for the API: model permissions held through the user's roles (groups).

Reading needs the model's ``view`` permission too, not just a login: a service agent with no
right to see staff records gets 403 rather than an empty list. Custom actions name what they
need in the viewset's ``action_permissions``; views that are not about one model use
``requires(...)``.
"""

from rest_framework.permissions import BasePermission, DjangoModelPermissions, IsAuthenticated


class RolePermissions(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        needed = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if needed is not None:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(needed))
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return IsAuthenticated().has_permission(request, view)
        return super().has_permission(request, view)


def requires(*permissions: str) -> type[BasePermission]:
    """A permission class granting access to signed-in users holding all ``permissions``."""

    class Requires(BasePermission):
        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(permissions))

    Requires.__name__ = f"Requires({', '.join(permissions)})"
    return Requires
