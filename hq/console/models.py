"""What HQ's sync console keeps: resync requests with their progress, and the audit of
every operator action (issue 5 item 6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hq.console.choices import UNFINISHED, InterventionKind, ResyncState


class ResyncRequest(models.Model):
    """A full resync HQ asked one province for, with the progress it reported
    (topic ``sync.resync.progress``: ``progress`` is a list of {topic, done, total})."""

    request_id = models.UUIDField(_("request id"), unique=True)
    province = models.CharField(_("province"), max_length=63)
    # Usernames, not foreign keys: users live in every tenant schema, and a key from an
    # HQ-only table would make Django look for this table when a province deletes a user.
    requested_by = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ResyncState.choices, default=ResyncState.REQUESTED
    )
    progress = models.JSONField(_("progress"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("resync request")
        verbose_name_plural = _("resync requests")
        indexes = [models.Index(fields=["province", "-requested_at"], name="console_resync_prov")]
        permissions = [
            ("view_sync_console", _("Can view the sync console")),
            ("operate_sync", _("Can retry, skip, relay and resync sync messages")),
        ]

    def __str__(self) -> str:
        return f"{self.province} resync {self.request_id} ({self.status})"

    @property
    def done(self) -> int:
        return sum(part["done"] for part in self.progress)

    @property
    def total(self) -> int:
        return sum(part["total"] for part in self.progress)

    @property
    def percent(self) -> int:
        if self.status == ResyncState.DONE:
            return 100
        return 100 * self.done // self.total if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED


class SyncIntervention(models.Model):
    """One operator action on the sync console (who, what, on which message): the audit
    trail that makes a skipped message traceable."""

    province = models.CharField(_("province"), max_length=63)
    kind = models.CharField(_("action"), max_length=16, choices=InterventionKind.choices)
    actor = models.CharField(_("actor"), max_length=150)  # a username (see ResyncRequest)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    message_id = models.UUIDField(_("message id"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    key = models.CharField(_("key"), max_length=128, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sync intervention")
        verbose_name_plural = _("sync interventions")
        indexes = [models.Index(fields=["province", "-at"], name="console_intervention_prov")]

    def __str__(self) -> str:
        return f"{self.province} {self.kind} by {self.actor}"
