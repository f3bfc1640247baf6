"""What HQ holds about each province, fed by the province's ``org.summary`` messages."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shared.scoping import ScopedManager


class ProvinceSummary(models.Model):
    """The latest organisation figures a province reported (one row per province)."""

    province = models.CharField(_("province"), max_length=63, unique=True)
    staff_count = models.PositiveIntegerField(_("staff count"), default=0)
    org_unit_count = models.PositiveIntegerField(_("org unit count"), default=0)
    version = models.BigIntegerField(_("version"), default=0)
    synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["province"]
        verbose_name = _("province summary")
        verbose_name_plural = _("province summaries")

    def __str__(self) -> str:
        return f"{self.province}: {self.staff_count}"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q(pk__in=[])  # HQ roles that may read this hold view-all
