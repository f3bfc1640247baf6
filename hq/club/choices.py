from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BenefitKind(models.TextChoices):
    LOUNGE = "lounge", _("Airport or rail lounge")
    SERVICE = "service", _("Priority service")
    GIFT = "gift", _("Gift")
    EVENT = "event", _("Club event")
    OTHER = "other", pgettext_lazy("benefit kind", "Other")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("club member status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("club member status", "Suspended")
    ENDED = "ended", pgettext_lazy("club member status", "Ended")


class VisitStatus(models.TextChoices):
    FORWARDED = "forwarded", _("Forwarded to the home province")
    DONE = "done", pgettext_lazy("visit usage status", "Done")
    REFUSED = "refused", pgettext_lazy("visit usage status", "Refused")
