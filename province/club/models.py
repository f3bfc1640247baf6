"""The club in a province (R11.1).

- ``ClubRules``: the versions of the national club definition received from HQ
  (``club.rules``); the highest version is in force.
- ``ClubMembership``: a customer's membership with its nationally unique card number
  (province code + sequence); a customer has at most one live (active/suspended) one.
- ``ClubActivity``: a club event and the members who attended.
- ``BenefitUsage``: a benefit used by one of our members, here or in another province
  (``request_id`` makes a visiting usage idempotent).
- ``VisitingUsage``: a benefit used here by a member of another province, pending until
  the home province answers through HQ.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from province.club.choices import LIVE_STATUSES, MembershipStatus, StatusReason, VisitStatus
from province.customers.models import Customer, CustomerOwned, ServedHere
from shared.models import TimeStampedModel, TrackedModel
from shared.scoping import ScopedManager
from shared.vocab.club import LevelDropPolicy, admitted_levels


class ClubRules(TimeStampedModel):
    """One version of the national club definition, as HQ sent it."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    content = models.JSONField(_("content"))
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("club rules")
        verbose_name_plural = _("club rules")

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def tiers(self) -> list[dict]:
        return sorted(self.content["tiers"], key=lambda t: -t["rank"])

    def tier(self, code: str) -> dict | None:
        return next((t for t in self.content["tiers"] if t["code"] == code), None)

    def tier_for_level(self, level: str) -> dict | None:
        return next((t for t in self.tiers if level in t["levels"]), None)

    def benefit(self, tier_code: str, benefit_code: str) -> dict | None:
        tier = self.tier(tier_code) or {"benefits": []}
        return next((b for b in tier["benefits"] if b["code"] == benefit_code), None)

    @property
    def admitted_levels(self) -> list[str]:
        """The levels the entry rules admit: at least the minimum and giving a tier."""
        tier_levels = (level for tier in self.content["tiers"] for level in tier["levels"])
        return admitted_levels(self.content["min_level"], tier_levels)

    # Versions stored before HQ published these two rules lack them; their defaults are
    # what provinces did then (``ClubRulesPayload``).
    @property
    def level_drop(self) -> str:
        return self.content.get("level_drop", LevelDropPolicy.KEEP)

    @property
    def tier_follows_level(self) -> bool:
        return bool(self.content.get("tier_follows_level", False))


class ClubMembership(CustomerOwned, TrackedModel):
    """A customer's membership of the national club."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="club_memberships",
    )
    card_number = models.CharField(_("card number"), max_length=20, unique=True)
    tier = models.CharField(_("tier"), max_length=32)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    since = models.DateField(_("member since"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    rules_version = models.PositiveIntegerField(_("rules version at enrolment"))
    status_reason = models.CharField(
        _("reason of the status"),
        max_length=16,
        choices=StatusReason.choices,
        blank=True,
        help_text=_("Why the membership was last suspended or ended (empty while active)."),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("club membership")
        verbose_name_plural = _("club memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=LIVE_STATUSES),
                name="%(app_label)s_%(class)s_one_live_per_customer",
                violation_error_message=_("The customer is already a club member."),
            )
        ]
        indexes = [models.Index(fields=["status", "tier"], name="club_membership_status")]

    def __str__(self) -> str:
        return self.card_number


class ClubActivity(TrackedModel):
    """A club event (salon, visit, sports day…) and the members who attended."""

    name = models.CharField(_("name"), max_length=200)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    attendees = models.ManyToManyField(
        ClubMembership, verbose_name=_("attendees"), related_name="activities", blank=True
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("club activity")
        verbose_name_plural = _("club activities")

    def __str__(self) -> str:
        return f"{self.name} ({self.held_on})"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # events are province-wide; attendees are filtered where shown


class BenefitUsage(TrackedModel):
    """A benefit one of our members used (``serving_province`` names where)."""

    membership = models.ForeignKey(
        ClubMembership,
        verbose_name=_("membership"),
        on_delete=models.PROTECT,
        related_name="usages",
    )
    benefit = models.CharField(_("benefit"), max_length=32)
    used_on = models.DateField(_("used on"))
    quantity = models.PositiveIntegerField(_("quantity"))
    serving_province = models.CharField(_("served in"), max_length=63)
    request_id = models.UUIDField(_("request id"), null=True, blank=True, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-used_on", "-id"]
        verbose_name = _("benefit usage")
        verbose_name_plural = _("benefit usage")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("The quantity is at least 1."),
            )
        ]
        indexes = [
            models.Index(fields=["membership", "benefit", "used_on"], name="club_usage_member")
        ]

    def __str__(self) -> str:
        return f"{self.membership} {self.benefit} × {self.quantity}"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        from province.customers.models import customer_scope

        return customer_scope(user, prefix="membership__customer__")


class VisitingUsage(ServedHere, TrackedModel):
    """A benefit used here by a member of another province: pending until the home
    province (which holds the allowance) answers through HQ."""

    request_id = models.UUIDField(_("request id"), unique=True)
    card_number = models.CharField(_("card number"), max_length=20)
    home_province = models.CharField(_("home province"), max_length=63)
    tier = models.CharField(_("tier"), max_length=32)
    name_masked = models.CharField(_("member"), max_length=200)
    benefit = models.CharField(_("benefit"), max_length=32)
    quantity = models.PositiveIntegerField(_("quantity"))
    used_on = models.DateField(_("used on"))
    status = models.CharField(
        _("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    remaining = models.IntegerField(_("remaining allowance"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("visiting member usage")
        verbose_name_plural = _("visiting member usage")
        indexes = [models.Index(fields=["status", "-id"], name="club_visit_status")]

    def __str__(self) -> str:
        return f"{self.card_number}@{self.home_province} {self.benefit} ({self.status})"

    @property
    def reason_text(self) -> str:
        from province.club.choices import REFUSAL_REASONS

        return str(REFUSAL_REASONS.get(self.reason, self.reason))
