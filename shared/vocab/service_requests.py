"""The kinds of customer service request that carry national time limits (R11.2, R6.2).

HQ's service SLA standard sets a first-response and a resolution time per customer level
(``shared.vocab.customer_levels``) and per request kind; provinces apply them to their own
table. Both sides name the kinds by these codes (HQ may not import province code).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    FAULT = "fault", _("Fault")
    CONSULTATION = "consultation", _("Consultation")
