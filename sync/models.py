"""Outbox, inbox and applied versions: the sync tables present in every tenant schema.

- ``OutboxMessage``: written by ``publish`` in the sender's transaction; the relay delivers
  pending rows and marks them delivered.
- ``InboxMessage``: one row per message id received (``INSERT … ON CONFLICT DO NOTHING``),
  so a redelivered message is never applied twice; failed ones keep their error and are
  retried with backoff.
- ``AppliedVersion``: the newest version applied per (source, topic, key); older messages
  arriving late are recorded as stale and not applied.
- ``ResyncRun``: a full resync asked for by HQ, run in the province in chunks; its progress
  is kept here so a run interrupted by a worker restart resumes where it stopped.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")


class InboxStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")
    STALE = "stale", _("Stale (newer version already applied)")
    # Given up by an operator on HQ's sync console (audited there): never retried again.
    SKIPPED = "skipped", _("Skipped (given up)")


class ResyncStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """A message waiting to be (or already) delivered to another tenant."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True)
    topic = models.CharField(_("topic"), max_length=64)
    key = models.CharField(_("key"), max_length=128)
    destination = models.CharField(_("destination"), max_length=63)
    schema_version = models.PositiveSmallIntegerField(_("payload schema version"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="sync_outbox_pending",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic}:{self.key} → {self.destination} ({self.status})"

    @property
    def version(self) -> int:
        # Ids only grow within a schema, so the id orders messages of one key.
        return self.pk


class InboxMessage(models.Model):
    """A message received from another tenant, with the outcome of applying it."""

    message_id = models.UUIDField(_("message id"), unique=True)
    source = models.CharField(_("source"), max_length=63)
    topic = models.CharField(_("topic"), max_length=64)
    key = models.CharField(_("key"), max_length=128)
    version = models.BigIntegerField(_("version"))
    schema_version = models.PositiveSmallIntegerField(_("payload schema version"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=16, choices=InboxStatus.choices)
    attempts = models.PositiveIntegerField(_("apply attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="sync_inbox_failed_due",
                condition=models.Q(status="failed"),
            ),
            models.Index(fields=["source", "status", "-applied_at"], name="sync_inbox_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.topic}:{self.key} v{self.version} ({self.status})"


class AppliedVersion(models.Model):
    """The newest version of (source, topic, key) applied here."""

    source = models.CharField(_("source"), max_length=63)
    topic = models.CharField(_("topic"), max_length=64)
    key = models.CharField(_("key"), max_length=128)
    version = models.BigIntegerField(_("version"))
    applied_at = models.DateTimeField(_("applied at"), auto_now=True)

    class Meta:
        ordering = ["source", "topic", "key"]
        verbose_name = _("applied version")
        verbose_name_plural = _("applied versions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "topic", "key"], name="%(app_label)s_%(class)s_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.topic}:{self.key} v{self.version}"


class ResyncRun(models.Model):
    """A full resync HQ asked this province for (topic ``sync.resync``, issue 5 item 6).

    ``progress`` maps each snapshot topic to ``{"done": n, "total": n}``; it is saved in the
    same transaction as the messages of each chunk, so a restarted run neither skips nor
    repeats a chunk.
    """

    request_id = models.UUIDField(_("request id"), unique=True)
    requested_by = models.CharField(_("requested by"), max_length=63)
    topics = models.JSONField(_("topics"), default=list)
    progress = models.JSONField(_("progress"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=ResyncStatus.choices, default=ResyncStatus.RUNNING
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("resync run")
        verbose_name_plural = _("resync runs")

    def __str__(self) -> str:
        return f"resync {self.request_id} ({self.status})"

    @property
    def done(self) -> int:
        return sum(part["done"] for part in self.progress.values())

    @property
    def total(self) -> int:
        return sum(part["total"] for part in self.progress.values())


class MemberDirectoryEntry(models.Model):
    """Where a national club member is at home: the directory any province may ask (R11.1,
    R6.5.3).

    The table exists in every schema (the sync app is everywhere) but only HQ's copy is
    filled, by HQ's roster handler through ``sync.directory.record_members``; provinces read
    it only through ``sync.directory.find_member``, the one place allowed to cross into
    HQ's schema. It holds no raw personal data: the phone is a keyed hash (HMAC).
    """

    # Unique by a constraint, not ``unique=True``: that adds a second (LIKE pattern) index
    # which no directory lookup uses, and every roster row written pays for.
    card_number = models.CharField(_("card number"), max_length=20)
    home_province = models.CharField(_("home province"), max_length=63)
    tier = models.CharField(_("tier"), max_length=32)
    status = models.CharField(_("status"), max_length=16)
    level = models.CharField(_("level"), max_length=16)
    name_masked = models.CharField(_("name (masked)"), max_length=200)
    phone_masked = models.CharField(_("phone (masked)"), max_length=11, blank=True)
    phone_key = models.CharField(_("phone lookup key"), max_length=64, blank=True)
    since = models.DateField(_("member since"))
    version = models.BigIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["card_number"]
        verbose_name = _("member directory entry")
        verbose_name_plural = _("member directory entries")
        constraints = [models.UniqueConstraint(fields=["card_number"], name="sync_directory_card")]
        indexes = [
            models.Index(
                fields=["phone_key"], name="sync_directory_phone", condition=~models.Q(phone_key="")
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_number} @ {self.home_province} ({self.status})"
