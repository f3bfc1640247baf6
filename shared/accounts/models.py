"""Users and the audit of unmasked personal data (R9.2, R2.1.2).

Users live in each tenant's schema: a provincial account exists only in its province, HQ
accounts only in HQ (DESIGN.md §1). Roles are Django groups (see ``roles.py``).
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in to one tenant."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_all_records", _("Can see every record of the tenant")),
            ("unmask_personal_data", _("Can see unmasked personal data")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_codes(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())


class PersonalDataAccess(models.Model):
    """One request in which a user saw personal data unmasked (audited by R2.1.2)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True, db_index=True)
    path = models.CharField(_("path"), max_length=512)
    object_type = models.CharField(_("object type"), max_length=64)
    object_ids = models.JSONField(_("object ids"), default=list)
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["user", "-accessed_at"], name="accounts_pda_user_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.object_type} {self.accessed_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A list page's filters and sort, saved by a user under a name (R2.1.2 "saved views")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("user"),
    )
    page = models.CharField(_("page"), max_length=64)
    name = models.CharField(_("name"), max_length=64)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["page", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page", "name"],
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message=_("You already have a view with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name
