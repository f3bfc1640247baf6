from django.db import models
from django.utils.translation import gettext_lazy as _


class ResyncState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


UNFINISHED = (ResyncState.REQUESTED, ResyncState.RUNNING)


class InterventionKind(models.TextChoices):
    RETRY_FAILED = "retry_failed", _("Retried failed messages")
    RELAY = "relay", _("Relayed now")
    RESYNC = "resync", _("Requested a full resync")
    RETRY_MESSAGE = "retry_message", _("Retried a message")
    SKIP_MESSAGE = "skip_message", _("Skipped a message")
