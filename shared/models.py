"""Abstract base models every domain model builds on (STYLE.md: one layered set, one place).

- ``TimeStampedModel``: created/updated times.
- ``TrackedModel``: plus who created and last changed the row, and a full change history
  (django-simple-history: who, when, before/after of every change; R2.1.2, R9.2).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Money is yuan with fen (DESIGN.md §2): ``models.DecimalField(_("amount"), **MONEY)``.
MONEY = {"max_digits": 14, "decimal_places": 2}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TrackedModel(TimeStampedModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def stamp(self, actor) -> None:
        """Record ``actor`` as creator (for new rows) and last editor; services call this."""
        if actor is not None and getattr(actor, "is_authenticated", False):
            if self._state.adding:
                self.created_by = actor
            self.updated_by = actor
            self._history_user = actor


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchRun(TimeStampedModel):
    """A province-wide batch job (re-grading, accrual, expiry…) that works in chunks and
    shows its progress; a failed or interrupted run resumes after its last committed chunk.

    Subclasses add what they work on and count, and a constraint allowing one running run.
    """

    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("to process"), default=0)
    done = models.PositiveIntegerField(_("processed"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # a run holds province-wide counts only
