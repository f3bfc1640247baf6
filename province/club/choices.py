from django.db import models
from django.utils.translation import pgettext_lazy

from shared.vocab.club import VISIT_REFUSAL_REASONS


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("club member status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("club member status", "Suspended")
    ENDED = "ended", pgettext_lazy("club member status", "Ended")


LIVE_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)


class StatusReason(models.TextChoices):
    """Why a membership was last suspended or ended. Only a suspension HQ's level-drop
    policy made is lifted automatically when the level qualifies again; the province's
    staff say why they suspend a member elsewhere, the system cannot know it is over."""

    STAFF = "staff", pgettext_lazy("club status reason", "Changed by staff")
    LEVEL = "level", pgettext_lazy("club status reason", "Level below the club entry rules")


class VisitStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("visit usage status", "Pending")
    DONE = "done", pgettext_lazy("visit usage status", "Done")
    REFUSED = "refused", pgettext_lazy("visit usage status", "Refused")


# Refusals of a visiting member's usage travel as codes (HQ and the home province may
# speak another language than the serving desk); the serving side words them.
REFUSAL_REASONS = VISIT_REFUSAL_REASONS
