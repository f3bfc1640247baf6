"""Applying HQ's national standards in the province (R11.2; docs/standards.md).

``apply_release`` is the ``standards.release`` handler's work: a release newer than the
version in force of its kind is applied by the kind's applier (in the inbox's transaction)
and reported up as ``standards.applied``; an older or equal one is recorded as ignored (the
sync core skips stale messages per key, but HQ may send an old release again). When an
applier fails, its work is rolled back with the handler's savepoint and the sync core keeps
the message failed and retries it; ``record_failure`` (its ``on_failure`` hook) records the
error here and reports it to HQ.

What each applier writes goes through the owning app's services, never around them:
- levels → a new ``LevelStandard`` version named as national, activated;
- points → national-scope ``EarningRule`` rows keyed by the national code (an unchanged rule
  is kept, a changed one is ended the day before the release takes effect and replaced,
  a national rule no longer in the release is ended); provincial rules are never touched;
- validity → a new national ``ValidityPolicy``, activated;
- products → national products upserted by code (``is_national``); a product dropped from
  the national list stays as a provincial one;
- slas → ``ServiceTimeLimit`` rows (customer level × request kind) get the national values;
  a local value the province set stricter is kept if it is still stricter than the new
  national one and dropped otherwise, and the receipt's ``notes`` say which.

``set_local_time_limit`` is the province's own extension of the SLAs: shorter times or a
higher target, never looser.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

import sync
from province.levels.services import activate_standard, save_standard
from province.loyalty.choices import RuleScope
from province.loyalty.models import EarningRule
from province.loyalty.standards import (
    activate_validity_policy,
    create_validity_policy,
    end_earning_rule,
    save_earning_rule,
)
from province.products.choices import ProductStatus
from province.products.models import Product
from province.standards.choices import ReleaseStatus, StandardKind
from province.standards.models import NationalEarningRule, ReceivedRelease, ServiceTimeLimit
from sync import directory

# The fields of a national rule that decide what it earns: when one changes, the rule is
# replaced (a rule that has earned points keeps its terms, see province.loyalty.standards).
RULE_TERMS = ("kind", "level", "points_per_yuan", "multiplier", "bonus_points", "condition")


def in_force(kind: str) -> ReceivedRelease | None:
    """The newest applied release of ``kind``."""
    return (
        ReceivedRelease.objects.filter(kind=kind, status=ReleaseStatus.APPLIED)
        .order_by("-version")
        .first()
    )


def _receipt(payload: dict) -> ReceivedRelease:
    receipt, _created = ReceivedRelease.objects.get_or_create(
        kind=payload["kind"],
        version=payload["version"],
        defaults={
            "effective_from": parse_date(payload["effective_from"]),
            "published_at": parse_datetime(payload["published_at"]),
            "content": payload["content"],
            "status": ReleaseStatus.FAILED,
        },
    )
    return receipt


@transaction.atomic
def apply_release(payload: dict) -> ReceivedRelease:
    """Apply one release from HQ (the ``standards.release`` handler)."""
    kind, version = payload["kind"], payload["version"]
    current = in_force(kind)
    if current is not None and current.version >= version:
        # An older release delivered late (or sent again): the newer one stays in force.
        receipt = _receipt(payload)
        if receipt.status != ReleaseStatus.APPLIED:
            receipt.status = ReleaseStatus.IGNORED
            receipt.save(update_fields=["status"])
        return receipt
    receipt = _receipt(payload)
    receipt.attempts += 1
    APPLIERS[kind](receipt)
    receipt.status = ReleaseStatus.APPLIED
    receipt.applied_at = timezone.now()
    receipt.error = ""
    receipt.save()
    publish_reports([kind])
    return receipt


@transaction.atomic
def record_failure(payload: dict, error: str) -> ReceivedRelease:
    """Record that applying a release failed, and tell HQ (the message stays failed)."""
    receipt = _receipt(payload)
    if receipt.status == ReleaseStatus.APPLIED:
        return receipt
    receipt.status = ReleaseStatus.FAILED
    receipt.error = error[:4000]
    receipt.attempts += 1
    receipt.save()
    publish_reports([receipt.kind])
    return receipt


# --- appliers -----------------------------------------------------------------------------


def _apply_levels(receipt: ReceivedRelease) -> None:
    content = receipt.content
    standard = save_standard(
        actor=None,
        rules=[
            {
                "level": rule["level"],
                "min_avg_monthly_paid": Decimal(rule["min_avg_monthly_paid"]),
                "min_tenure_months": rule.get("min_tenure_months"),
                "min_active_products": rule.get("min_active_products"),
            }
            for rule in content["rules"]
        ],
        name=_("National level standard v%(version)s") % {"version": receipt.version},
        effective_from=receipt.effective_from,
        months=content["months"],
        strategic_min_level=content["strategic_min_level"],
        validity_months=content["validity_months"],
    )
    activate_standard(standard, actor=None)
    receipt.level_standard = standard


def _same_terms(rule: EarningRule, national: dict) -> bool:
    wanted = {
        "kind": national["kind"],
        "level": national.get("level", ""),
        "points_per_yuan": Decimal(national.get("points_per_yuan", "0")),
        "multiplier": Decimal(national.get("multiplier", "1")),
        "bonus_points": national.get("bonus_points", 0),
        "condition": national.get("condition", ""),
    }
    return all(getattr(rule, term) == wanted[term] for term in RULE_TERMS) and (
        rule.parameter == national.get("parameter", "")
    )


def _end(rule: EarningRule, effective: date) -> None:
    # The old rule earns up to the day before the new release takes effect.
    end_earning_rule(rule, actor=None, on=max(effective - timedelta(days=1), rule.valid_from))


def _apply_points(receipt: ReceivedRelease) -> None:
    effective = receipt.effective_from
    links = {link.code: link for link in NationalEarningRule.objects.select_related("rule")}
    kept: set[int] = set()
    for national in receipt.content["rules"]:
        link = links.get(national["code"])
        if link is not None and link.rule.valid_to is None and _same_terms(link.rule, national):
            if link.rule.name != national["name"]:
                link.rule.name = national["name"]
                save_earning_rule(link.rule, actor=None)
            link.version = receipt.version
            link.save(update_fields=["version"])
            kept.add(link.rule_id)
            continue
        rule = save_earning_rule(
            EarningRule(
                name=national["name"],
                scope=RuleScope.NATIONAL,
                kind=national["kind"],
                level=national.get("level", ""),
                points_per_yuan=Decimal(national.get("points_per_yuan", "0")),
                multiplier=Decimal(national.get("multiplier", "1")),
                bonus_points=national.get("bonus_points", 0),
                condition=national.get("condition", ""),
                parameter=national.get("parameter", ""),
                valid_from=effective,
            ),
            actor=None,
        )
        kept.add(rule.pk)
        if link is not None:
            old = link.rule
            link.rule, link.version = rule, receipt.version
            link.save()
            if old.valid_to is None:
                _end(old, effective)
        else:
            NationalEarningRule.objects.create(
                code=national["code"], rule=rule, version=receipt.version
            )
    # Every other live national rule (older releases, or the seeded default) ends; the
    # provincial rules are extensions the release does not govern.
    live = EarningRule.objects.filter(scope=RuleScope.NATIONAL, valid_to__isnull=True).exclude(
        pk__in=kept
    )
    for rule in live.order_by("pk"):
        NationalEarningRule.objects.filter(rule=rule).delete()
        _end(rule, effective)


def _apply_validity(receipt: ReceivedRelease) -> None:
    policy = create_validity_policy(
        _("National validity v%(version)s") % {"version": receipt.version},
        receipt.content["years_after"],
        actor=None,
    )
    receipt.validity_policy = activate_validity_policy(policy, actor=None)


def _apply_products(receipt: ReceivedRelease) -> None:
    listed = receipt.content["products"]
    existing = {p.code: p for p in Product.objects.filter(code__in=[n["code"] for n in listed])}
    for national in listed:
        product = existing.get(national["code"]) or Product(
            code=national["code"], status=ProductStatus.LAUNCHED
        )
        product.name = national["name"]
        product.category = national["category"]
        product.monthly_price = Decimal(national.get("monthly_price", "0"))
        product.is_national = True
        product.full_clean()  # an unknown category fails here, and the release is retried
        product.stamp(None)
        product.save()
    dropped = Product.objects.filter(is_national=True).exclude(code__in=[n["code"] for n in listed])
    for product in dropped.order_by("pk"):
        product.is_national = False
        product.save()


# The SLA values and which way is stricter: shorter times, a higher compliance target.
SLA_VALUES = {
    "response_hours": lambda local, national: local < national,
    "resolution_hours": lambda local, national: local < national,
    "compliance_target": lambda local, national: local > national,
}


def _apply_slas(receipt: ReceivedRelease) -> None:
    """National SLAs into ``ServiceTimeLimit``; stricter local values survive (R11.2)."""
    existing = {
        (limit.level, limit.request_kind): limit
        for limit in ServiceTimeLimit.objects.select_for_update().order_by("pk")
    }
    notes = []
    for row in receipt.content["slas"]:
        key = (row["level"], row["request_kind"])
        limit = existing.pop(key, None) or ServiceTimeLimit(
            level=row["level"], request_kind=row["request_kind"]
        )
        limit.national_version = receipt.version
        for field, stricter in SLA_VALUES.items():
            national = Decimal(row[field])
            setattr(limit, f"national_{field}", national)
            local = getattr(limit, f"local_{field}")
            if local is None:
                continue
            kept = stricter(local, national)
            if not kept:  # the nation caught up (or went further): the local value lapses
                setattr(limit, f"local_{field}", None)
            notes.append(_sla_note(limit, field, local, national, kept))
        if limit.response_hours > limit.resolution_hours:
            # A kept local resolution shorter than the new national first response: the
            # first response may not come later, so it is held to the resolution (stricter).
            limit.local_response_hours = limit.resolution_hours
            notes.append(
                _sla_note(
                    limit,
                    "response_hours",
                    limit.resolution_hours,
                    limit.national_response_hours,
                    True,
                )
            )
        if not limit.local_extensions:
            limit.local_set_at = None
        limit.save()
    for stale in existing.values():  # HQ no longer sets limits for it
        stale.delete()
    receipt.notes = notes


def _sla_note(limit, field: str, local, national, kept: bool) -> dict:
    return {
        "level": limit.level,
        "request_kind": limit.request_kind,
        "field": field,
        "local": _text(local),
        "national": _text(national),
        "kept": kept,
    }


def _text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


APPLIERS = {
    StandardKind.LEVELS: _apply_levels,
    StandardKind.POINTS: _apply_points,
    StandardKind.VALIDITY: _apply_validity,
    StandardKind.PRODUCTS: _apply_products,
    StandardKind.SLAS: _apply_slas,
}


# --- the province's own extension: stricter SLAs --------------------------------------------


@transaction.atomic
def set_local_time_limit(
    limit: ServiceTimeLimit,
    *,
    response_hours: Decimal | None,
    resolution_hours: Decimal | None,
    compliance_target: Decimal | None,
    actor=None,
) -> ServiceTimeLimit:
    """Set (or clear, with None) the province's own values of one SLA (R11.2).

    A province may be stricter than HQ, never looser: times greater than zero and no longer
    than the national ones, a target no lower than the national one and at most 100 %, and
    a first response no later than the resolution. A value equal to the national one is no
    extension and is not stored. Field errors, nothing changed. HQ is told how many local
    values the province keeps (``standards.applied``).
    """
    limit = ServiceTimeLimit.objects.select_for_update().get(pk=limit.pk)
    wanted = {
        "response_hours": response_hours,
        "resolution_hours": resolution_hours,
        "compliance_target": compliance_target,
    }
    errors: dict[str, list] = {}
    for field in ("response_hours", "resolution_hours"):
        value, national = wanted[field], getattr(limit, f"national_{field}")
        if value is None:
            continue
        if value <= 0:
            errors[field] = [_("Enter a number of hours greater than zero.")]
        elif value > national:
            errors[field] = [
                _("A province may shorten the national time (%(hours)s h), not lengthen it.")
                % {"hours": _text(national)}
            ]
    target, national_target = compliance_target, limit.national_compliance_target
    if target is not None:
        if target > 100:
            errors["compliance_target"] = [_("Enter a percentage between 0 and 100.")]
        elif target < national_target:
            errors["compliance_target"] = [
                _("A province may raise the national target (%(target)s %%), not lower it.")
                % {"target": _text(national_target)}
            ]
    response = response_hours or limit.national_response_hours
    resolution = resolution_hours or limit.national_resolution_hours
    if not errors and response > resolution:
        errors["response_hours"] = [
            _("The first response cannot come later than the resolution (%(hours)s h).")
            % {"hours": _text(resolution)}
        ]
    if errors:
        raise ValidationError(errors)
    for field, value in wanted.items():
        stricter = value is not None and SLA_VALUES[field](
            value, getattr(limit, f"national_{field}")
        )
        setattr(limit, f"local_{field}", value if stricter else None)
    limit.local_set_at = timezone.now() if limit.local_extensions else None
    limit.stamp(actor)
    limit.save()
    publish_reports([StandardKind.SLAS])
    return limit


def local_extensions(kind: str) -> int:
    """How many values of ``kind`` the province keeps stricter than the national ones."""
    if kind != StandardKind.SLAS:
        return 0
    return sum(limit.local_extensions for limit in ServiceTimeLimit.objects.all())


# --- reports (standards.applied) -----------------------------------------------------------


def reported_kinds() -> list[str]:
    """Every kind the province received a release of (the snapshot's keys)."""
    return sorted(set(ReceivedRelease.objects.values_list("kind", flat=True)))


def publish_reports(kinds: Sequence[str]) -> None:
    """Tell HQ the version in force of each kind and its last failure (newer than it)."""
    hq = directory.hq_schema()
    for kind in kinds:
        current = in_force(kind)
        failed = (
            ReceivedRelease.objects.filter(kind=kind, status=ReleaseStatus.FAILED)
            .filter(version__gt=current.version if current else 0)
            .order_by("-version")
            .first()
        )
        sync.publish(
            "standards.applied",
            kind,
            {
                "kind": kind,
                "version": current.version if current else 0,
                "applied_at": current.applied_at.isoformat() if current else None,
                "failed_version": failed.version if failed else 0,
                "error": failed.error if failed else "",
                "local_extensions": local_extensions(kind),
            },
            to=hq,
        )


def latest_versions() -> dict[str, int]:
    rows = (
        ReceivedRelease.objects.filter(status=ReleaseStatus.APPLIED)
        .order_by()
        .values("kind")
        .annotate(v=Max("version"))
    )
    return {row["kind"]: row["v"] for row in rows}
