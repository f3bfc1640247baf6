"""Facts the analysis pages read that no other app holds yet (R2.5.3).

Survey design and survey runs belong to R8.1; until that exists, results arrive by CSV
import. Each score keeps the answer as given (``raw_score`` on its ``scale``) and the
normalised 0–100 value every average and histogram is computed from.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.analysis.choices import ScoreScale
from province.customers.models import Customer, CustomerOwned
from shared.models import TimeStampedModel
from shared.scoping import ScopedManager

# (lowest, highest) answer of each scale; normalising maps lowest → 0 and highest → 100.
SCALE_BOUNDS = {
    ScoreScale.ZERO_TO_TEN: (Decimal(0), Decimal(10)),
    ScoreScale.ONE_TO_FIVE: (Decimal(1), Decimal(5)),
}


def normalise_score(raw: Decimal, scale: str) -> Decimal:
    """``raw`` on ``scale`` as 0–100, linearly: 7 of 0–10 → 70, 4 of 1–5 → 75."""
    low, high = SCALE_BOUNDS[ScoreScale(scale)]
    return ((raw - low) * 100 / (high - low)).quantize(Decimal("0.01"))


class SatisfactionScore(CustomerOwned, TimeStampedModel):
    """One customer's answer to one satisfaction survey."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="satisfaction_scores",
    )
    survey_name = models.CharField(_("survey"), max_length=100)
    surveyed_on = models.DateField(_("surveyed on"))
    scale = models.CharField(_("scale"), max_length=8, choices=ScoreScale.choices)
    raw_score = models.DecimalField(_("score as answered"), max_digits=4, decimal_places=1)
    score = models.DecimalField(
        _("score (0–100)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("The answer mapped linearly onto 0 to 100."),
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-surveyed_on", "-id"]
        verbose_name = _("satisfaction score")
        verbose_name_plural = _("satisfaction scores")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "survey_name", "surveyed_on"],
                name="%(app_label)s_%(class)s_one_per_customer_survey_day",
                violation_error_message=_(
                    "This customer already has a score for this survey on this day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100),
                name="%(app_label)s_%(class)s_score_0_to_100",
                violation_error_message=_("The normalised score must be between 0 and 100."),
            ),
        ]
        indexes = [
            # The pages filter by period first, then join the (already scoped) customers.
            models.Index(fields=["surveyed_on", "customer"], name="analysis_satisf_date_cust"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_name} {self.surveyed_on}: {self.score}"
