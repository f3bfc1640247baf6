"""Maintaining the points standards (R2.4.2, R2.4.3): earning rules, validity policies and
the province's loyalty settings. One transaction per operation; every change is audited
(the models are ``TrackedModel``: who, when, and a history row).

A rule that may have earned points is never deleted (entries name it; ``PointsEntry.rule``
is PROTECT) and its earning terms are not rewritten: it is *ended* (``valid_to``), and a
new rule takes over. "Earned": an entry names it. The ledger has no index by rule (on
purpose: the runs insert millions of entries), so the entries are asked only when an accrual
run of a month in the rule's validity ran after the rule was created.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from province.loyalty.choices import RuleCondition, RuleKind
from province.loyalty.earning import BONUS_CONDITIONS, PENALTY_CONDITIONS, tenure_years
from province.loyalty.models import (
    AccrualRun,
    EarningRule,
    LoyaltySettings,
    PointsEntry,
    ValidityPolicy,
)
from shared.errors import Conflict

# What a rule earns; a rule in use keeps these as they were.
EARNING_TERMS = (
    "scope",
    "kind",
    "product",
    "level",
    "points_per_yuan",
    "multiplier",
    "bonus_points",
    "condition",
    "parameter",
    "valid_from",
)


def rule_errors(rule: EarningRule) -> dict[str, list[str]]:
    """Field errors of a rule the accrual run could not apply as meant (R2.4.2)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if rule.kind == RuleKind.PRODUCT and not rule.product_id:
        add("product", _("A product rule names its product."))
    if rule.kind == RuleKind.LEVEL_MULTIPLIER and not rule.level:
        add("level", _("A level multiplier names its level."))
    if rule.kind == RuleKind.BONUS and rule.condition not in BONUS_CONDITIONS:
        add("condition", _("A bonus needs a condition: tenure, payment on time or a campaign."))
    if rule.kind == RuleKind.PENALTY and rule.condition not in PENALTY_CONDITIONS:
        add("condition", _("A penalty applies to bills paid late."))
    if rule.kind in (RuleKind.BASE, RuleKind.PRODUCT, RuleKind.LEVEL_MULTIPLIER) and (
        rule.condition
    ):
        add("condition", _("Only bonuses and penalties have a condition."))
    if rule.condition == RuleCondition.TENURE_YEARS_AT_LEAST and tenure_years(rule) is None:
        add("parameter", _("Enter the number of years N as a whole number."))
    if rule.condition == RuleCondition.CAMPAIGN and not (rule.parameter or "").strip():
        add("parameter", _("Enter the campaign code."))
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        add("valid_to", _("A rule cannot end before it starts."))
    return errors


def rule_in_use(rule: EarningRule) -> bool:
    """Whether an accrual run may have posted entries under ``rule`` (see the module)."""
    if rule.pk is None:
        return False
    runs = AccrualRun.objects.filter(
        period__gte=rule.valid_from.replace(day=1), updated_at__gte=rule.created_at
    )
    if rule.valid_to is not None:
        runs = runs.filter(period__lte=rule.valid_to)
    # Only when a run may have used it, ask the ledger (a scan, but a rare admin action).
    return runs.exists() and PointsEntry.objects.filter(rule=rule).exists()


@transaction.atomic
def save_earning_rule(rule: EarningRule, *, actor) -> EarningRule:
    """Create or edit a rule (R2.4.2); field errors as ``ValidationError``; 409 when the
    earning terms of a rule in use would change."""
    errors = rule_errors(rule)
    if errors:
        raise ValidationError(errors)
    if rule.pk is not None:
        stored = EarningRule.objects.select_for_update().get(pk=rule.pk)
        changed = [f for f in EARNING_TERMS if getattr(stored, f) != getattr(rule, f)]
        if changed and rule_in_use(stored):
            raise Conflict(
                _(
                    "This rule has already earned points, so its terms cannot change. End it "
                    "and create a new rule from the next day."
                ),
                code="rule_in_use",
                fields={f: [] for f in changed},
            )
    rule.full_clean()
    rule.stamp(actor)
    rule.save()
    return rule


@transaction.atomic
def end_earning_rule(rule: EarningRule, *, actor, on: date | None = None) -> EarningRule | None:
    """End a rule on ``on`` (default today); a rule that never earned anything is deleted
    instead (returns None)."""
    locked = EarningRule.objects.select_for_update().get(pk=rule.pk)
    if not rule_in_use(locked):
        locked.delete()
        return None
    on = on or timezone.localdate()
    if on < locked.valid_from:
        raise ValidationError({"valid_to": _("A rule cannot end before it starts.")})
    if locked.valid_to is not None and locked.valid_to <= on:
        raise Conflict(_("This rule has already ended."), code="rule_ended")
    locked.valid_to = on
    locked.stamp(actor)
    locked._change_reason = "ended"
    locked.save()
    return locked


# --- validity (R2.4.3) -------------------------------------------------------------------


@transaction.atomic
def create_validity_policy(name: str, years_after: int, *, actor) -> ValidityPolicy:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the policy a name.")]
    if not isinstance(years_after, int) or not 0 <= years_after <= 10:
        errors["years_after"] = [_("Enter a number of years from 0 to 10.")]
    if errors:
        raise ValidationError(errors)
    policy = ValidityPolicy(name=name[:100], years_after=years_after, is_active=False)
    policy.stamp(actor)
    policy.save()
    return policy


@transaction.atomic
def activate_validity_policy(policy: ValidityPolicy, *, actor) -> ValidityPolicy:
    """Make ``policy`` the one active policy (R2.4.3). It applies to points earned from now
    on: lots already open keep their expiry (extend them one by one where needed)."""
    # Lock every policy (there are few) so that two activations queue.
    policies = {p.pk: p for p in ValidityPolicy.objects.select_for_update().order_by("pk")}
    locked = policies[policy.pk]
    for other in policies.values():
        if other.is_active and other.pk != locked.pk:
            other.is_active = False
            other.stamp(actor)
            other.save()
    if not locked.is_active:
        locked.is_active = True
        locked.stamp(actor)
        locked.save()
    return locked


def policy_meaning(policy: ValidityPolicy | None) -> str:
    years = policy.years_after if policy is not None else 2
    return _("Points earned in year N lapse on 31 December of year N+%(k)d.") % {"k": years}


# --- settings ----------------------------------------------------------------------------


@transaction.atomic
def update_loyalty_settings(settings: LoyaltySettings, *, actor) -> LoyaltySettings:
    """Save the province's loyalty settings (threshold, point cost, warning days); audited."""
    settings.full_clean()
    LoyaltySettings.objects.select_for_update().filter(pk=settings.pk).first()
    settings.stamp(actor)
    settings.save()
    return settings
