"""HQ's club: what HQ decides (tiers, benefits, entry rules, published versions) and what
the provinces report (roster, usage) or ask HQ to route (visiting usage) (R11.1, R6.5.3).

Roster and usage rows are copies kept current by sync messages; they are never edited
here. Every HQ role that reads them holds view-all, so their visibility filter is empty.

No model here has a foreign key to the user table: the app is installed project-wide but
its tables exist only in HQ's schema, and Django's deletion collector follows every
installed relation to a user, so deleting a provincial user would query missing tables.
Who changed or published a definition is kept as the username instead.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hq.club.choices import BenefitKind, MemberStatus, VisitStatus
from shared.models import TimeStampedModel
from shared.scoping import ScopedManager
from shared.vocab.club import LevelDropPolicy, refusal_text
from shared.vocab.customer_levels import NationalLevel


class _ChangedBy(TimeStampedModel):
    changed_by = models.CharField(_("changed by"), max_length=150, blank=True, editable=False)

    class Meta:
        abstract = True

    def stamp(self, actor) -> None:
        if actor is not None and getattr(actor, "is_authenticated", False):
            self.changed_by = actor.get_username()


class _HQOnly:
    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q(pk__in=[])  # HQ roles that may read these hold view-all


class ClubTier(_HQOnly, _ChangedBy):
    """A national club tier (e.g. 金卡, 白金, 钻石) and the customer levels that qualify."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher ranks come first."))
    levels = models.JSONField(
        _("qualifying levels"), default=list, help_text=_("Customer levels that give this tier.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-rank", "code"]
        verbose_name = _("club tier")
        verbose_name_plural = _("club tiers")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def level_labels(self) -> list[str]:
        return [str(NationalLevel(level).label) for level in self.levels]


class ClubBenefit(_HQOnly, _ChangedBy):
    """A benefit of a tier with what each member may use of it per calendar year."""

    tier = models.ForeignKey(
        ClubTier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="benefits"
    )
    code = models.CharField(_("code"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=BenefitKind.choices)
    yearly_allowance = models.PositiveIntegerField(_("yearly allowance per member"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["tier", "code"]
        verbose_name = _("club benefit")
        verbose_name_plural = _("club benefits")
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("The tier already has a benefit with this code."),
            ),
            models.CheckConstraint(
                condition=Q(yearly_allowance__gte=1),
                name="%(app_label)s_%(class)s_allowance_positive",
                violation_error_message=_("The yearly allowance is at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier.code}/{self.code}"


class ClubEntryRules(_ChangedBy):
    """Who may join (one row): minimum level, minimum tenure, no bills in arrears; and what
    becomes of a member whose level later drops below them, or moves to another tier's."""

    min_level = models.CharField(
        _("minimum level"),
        max_length=16,
        choices=NationalLevel.choices,
        default=NationalLevel.SILVER,
    )
    min_tenure_months = models.PositiveSmallIntegerField(_("minimum tenure (months)"), default=12)
    exclude_arrears = models.BooleanField(_("refuse customers in arrears"), default=True)
    level_drop = models.CharField(
        _("members whose level drops below the entry rules"),
        max_length=16,
        choices=LevelDropPolicy.choices,
        default=LevelDropPolicy.KEEP,
        help_text=_(
            "Applied by the provinces when a member's level changes, and to every member "
            "when a version is published. A suspension is lifted when the level qualifies "
            "again; an ended member may enrol again."
        ),
    )
    tier_follows_level = models.BooleanField(
        _("the tier follows the level"),
        default=False,
        help_text=_(
            "When a member's level qualifies for another tier, move the card to that tier "
            "(up or down). Otherwise a card keeps the tier it was enrolled in."
        ),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("club entry rules")
        verbose_name_plural = _("club entry rules")

    def __str__(self) -> str:
        return f"≥{self.min_level}, ≥{self.min_tenure_months}m"


class ClubRulesVersion(_HQOnly, TimeStampedModel):
    """A published version of the club definition, exactly as sent to the provinces."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    content = models.JSONField(_("content"))
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    provinces = models.JSONField(_("sent to"), default=list)

    objects = ScopedManager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("club rules version")
        verbose_name_plural = _("club rules versions")

    def __str__(self) -> str:
        return f"v{self.version}"


class ClubMember(_HQOnly, models.Model):
    """The national roster: one row per member, the latest ``club.member`` message wins."""

    card_number = models.CharField(_("card number"), max_length=20, unique=True)
    home_province = models.CharField(_("home province"), max_length=63)
    tier = models.CharField(_("tier"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices)
    level = models.CharField(_("level"), max_length=16)
    name_masked = models.CharField(_("name (masked)"), max_length=200)
    phone_masked = models.CharField(_("phone (masked)"), max_length=11, blank=True)
    since = models.DateField(_("member since"))
    version = models.BigIntegerField(_("version"), default=0)
    synced_at = models.DateTimeField(_("last synchronised"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["home_province", "card_number"]
        verbose_name = _("club member")
        verbose_name_plural = _("club members")
        indexes = [
            models.Index(fields=["home_province", "tier", "status"], name="hqclub_member_prov"),
        ]

    def __str__(self) -> str:
        return self.card_number


class ClubUsage(_HQOnly, models.Model):
    """Benefit usage as the home provinces report it: one member × benefit × month total."""

    province = models.CharField(_("province"), max_length=63)
    card_number = models.CharField(_("card number"), max_length=20)
    tier = models.CharField(_("tier"), max_length=32)
    benefit = models.CharField(_("benefit"), max_length=32)
    month = models.DateField(_("month"))
    quantity = models.PositiveIntegerField(_("quantity"))
    version = models.BigIntegerField(_("version"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-month", "province", "card_number"]
        verbose_name = _("club benefit usage")
        verbose_name_plural = _("club benefit usage")
        constraints = [
            models.UniqueConstraint(
                fields=["card_number", "benefit", "month"],
                name="%(app_label)s_%(class)s_one_per_month",
            )
        ]
        indexes = [models.Index(fields=["month", "province"], name="hqclub_usage_month")]

    def __str__(self) -> str:
        return f"{self.card_number} {self.benefit} {self.month:%Y-%m}: {self.quantity}"


class VisitRouting(_HQOnly, models.Model):
    """A benefit used by a member away from home, as routed by HQ (R6.5.3): the national
    record of cross-province club service, and the basis of a later settlement."""

    request_id = models.UUIDField(_("request id"), unique=True)
    card_number = models.CharField(_("card number"), max_length=20)
    serving_province = models.CharField(_("serving province"), max_length=63)
    home_province = models.CharField(_("home province"), max_length=63)
    benefit = models.CharField(_("benefit"), max_length=32)
    quantity = models.PositiveIntegerField(_("quantity"))
    used_on = models.DateField(_("used on"))
    status = models.CharField(_("status"), max_length=16, choices=VisitStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("visiting member usage")
        verbose_name_plural = _("visiting member usage")
        # The routed-visits page filters by month of use, then serving or home province.
        indexes = [
            models.Index(fields=["used_on", "serving_province"], name="hqclub_visit_serving"),
            models.Index(fields=["home_province", "used_on"], name="hqclub_visit_home"),
        ]

    def __str__(self) -> str:
        return f"{self.card_number} {self.serving_province}→{self.home_province} ({self.status})"

    @property
    def reason_text(self) -> str:
        return refusal_text(self.reason) if self.reason else ""
