"""Org tree and staff of one province (R9.2).

The tree is stored with a materialised path (``path`` = ancestors' ids, e.g. ``1.4.9.``),
so "everything under this unit" is one indexed prefix match: the basis of row visibility
(a supervisor sees their unit's subtree).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.org.choices import OrgUnitKind
from shared.models import TrackedModel
from shared.scoping import ScopedManager
from shared.validators import validate_mainland_mobile


def _user_unit_path(user) -> str | None:
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    return staff.org_unit.path if staff is not None and staff.is_active else None


class OrgUnit(TrackedModel):
    """A node of the provincial organisation: the company, a city branch, a district, a team."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="%(app_label)s_%(class)s_unique_name_in_parent",
                violation_error_message=_("A unit with this name already exists here."),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(parent__isnull=True),
                name="%(app_label)s_%(class)s_single_root",
                violation_error_message=_("The province has only one root unit."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["path"], name="org_orgunit_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_filter(cls, user) -> Q:
        path = _user_unit_path(user)
        return Q(path__startswith=path) if path else Q(pk__in=[])


class Staff(TrackedModel):
    """An employee of the province: an org unit, contact data and a sign-in account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="staff"
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("full name"), max_length=64)
    title = models.CharField(_("job title"), max_length=64, blank=True)
    mobile = models.CharField(
        _("mobile"), max_length=11, blank=True, validators=[validate_mainland_mobile]
    )
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["org_unit", "is_active"], name="org_staff_unit_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        path = _user_unit_path(user)
        return Q(org_unit__path__startswith=path) if path else Q(pk__in=[])
