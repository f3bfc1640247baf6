"""HQ's club operations (R11.1, R6.5.3): keep tiers, benefits and entry rules, publish them
to every province (topic ``club.rules``), keep the national roster and usage from what the
provinces send, and route visiting-member usage to the home province and the answer back.

Handlers of incoming messages call the ``apply_*``/``route_*`` functions; they run inside
the inbox transaction, so what they publish leaves exactly once with the message applied.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

import sync
from hq.club.choices import MemberStatus, VisitStatus
from hq.club.models import (
    ClubBenefit,
    ClubEntryRules,
    ClubMember,
    ClubRulesVersion,
    ClubTier,
    ClubUsage,
    VisitRouting,
)
from shared.errors import Conflict
from shared.vocab.club import LevelDropPolicy
from shared.vocab.customer_levels import LEVEL_ORDER
from sync import directory

TIER_FIELDS = ("code", "name_zh", "name_en", "rank", "levels", "is_active")
BENEFIT_FIELDS = ("tier", "code", "name_zh", "name_en", "kind", "yearly_allowance", "is_active")
ENTRY_FIELDS = (
    "min_level",
    "min_tenure_months",
    "exclude_arrears",
    "level_drop",
    "tier_follows_level",
)


# --- definitions -------------------------------------------------------------------------


@transaction.atomic
def save_tier(tier: ClubTier | None = None, *, actor, **fields) -> ClubTier:
    """Create or change a tier. A level qualifies for one active tier only, or a customer's
    tier would be ambiguous."""
    tier = tier or ClubTier()
    for name in TIER_FIELDS:
        if name in fields:
            setattr(tier, name, fields[name])
    levels = list(dict.fromkeys(tier.levels or []))
    unknown = [level for level in levels if level not in LEVEL_ORDER]
    if not levels or unknown:
        raise ValidationError({"levels": _("Choose one or more customer levels.")})
    tier.levels = sorted(levels, key=LEVEL_ORDER.index)
    if tier.is_active:
        others = ClubTier.objects.filter(is_active=True).exclude(pk=tier.pk)
        taken = {level: other for other in others for level in other.levels}
        clash = [level for level in tier.levels if level in taken]
        if clash:
            raise ValidationError(
                {
                    "levels": _("Level %(level)s already qualifies for tier %(tier)s.")
                    % {"level": clash[0], "tier": taken[clash[0]].code}
                }
            )
    if ClubTier.objects.filter(code=tier.code).exclude(pk=tier.pk).exists():
        raise ValidationError({"code": _("Another tier has this code.")})
    tier.stamp(actor)
    tier.save()
    return tier


@transaction.atomic
def save_benefit(benefit: ClubBenefit | None = None, *, actor, **fields) -> ClubBenefit:
    benefit = benefit or ClubBenefit()
    for name in BENEFIT_FIELDS:
        if name in fields:
            setattr(benefit, name, fields[name])
    if (benefit.yearly_allowance or 0) < 1:
        raise ValidationError({"yearly_allowance": _("The yearly allowance is at least 1.")})
    clash = ClubBenefit.objects.filter(tier=benefit.tier, code=benefit.code).exclude(pk=benefit.pk)
    if clash.exists():
        raise ValidationError({"code": _("The tier already has a benefit with this code.")})
    benefit.stamp(actor)
    benefit.save()
    return benefit


def entry_rules() -> ClubEntryRules:
    """The one row of entry rules (created with the defaults on first use)."""
    rules = ClubEntryRules.objects.order_by("id").first()
    return rules or ClubEntryRules.objects.create()


@transaction.atomic
def save_entry_rules(*, actor, **fields) -> ClubEntryRules:
    rules = entry_rules()
    for name in ENTRY_FIELDS:
        if name in fields:
            setattr(rules, name, fields[name])
    if rules.min_level not in LEVEL_ORDER:
        raise ValidationError({"min_level": _("Choose a customer level.")})
    if rules.level_drop not in LevelDropPolicy.values:
        raise ValidationError({"level_drop": _("Choose what happens to such members.")})
    rules.stamp(actor)
    rules.save()
    return rules


def rules_content(version: int) -> dict:
    """The club definition as the provinces receive it (payload of ``club.rules``)."""
    entry = entry_rules()
    tiers = ClubTier.objects.filter(is_active=True).prefetch_related("benefits")
    return {
        "version": version,
        "published_at": timezone.now().isoformat(),
        "min_level": entry.min_level,
        "min_tenure_months": entry.min_tenure_months,
        "exclude_arrears": entry.exclude_arrears,
        "level_drop": entry.level_drop,
        "tier_follows_level": entry.tier_follows_level,
        "tiers": [
            {
                "code": tier.code,
                "name_zh": tier.name_zh,
                "name_en": tier.name_en,
                "rank": tier.rank,
                "levels": tier.levels,
                "benefits": [
                    {
                        "code": b.code,
                        "name_zh": b.name_zh,
                        "name_en": b.name_en,
                        "kind": b.kind,
                        "yearly_allowance": b.yearly_allowance,
                    }
                    for b in tier.benefits.all()
                    if b.is_active
                ],
            }
            for tier in tiers
        ],
    }


@transaction.atomic
def publish_rules(*, actor) -> ClubRulesVersion:
    """Freeze the current definition as the next version and send it to every active
    province (R11.1: "HQ sets membership rules, tiers and benefits")."""
    # One publisher at a time: the version number is max + 1.
    ClubEntryRules.objects.select_for_update().filter(pk=entry_rules().pk).get()
    if not ClubTier.objects.filter(is_active=True).exists():
        raise Conflict(_("Define at least one active tier before publishing."), code="no_tiers")
    latest = ClubRulesVersion.objects.aggregate(v=Max("version"))["v"] or 0
    content = rules_content(latest + 1)
    targets = [m.schema_name for m in directory.provinces() if m.is_active]
    for schema in targets:
        sync.publish("club.rules", key="club", payload=content, to=schema)
    return ClubRulesVersion.objects.create(
        version=latest + 1,
        content=content,
        published_by=actor.get_username() if actor is not None else "",
        provinces=targets,
    )


def latest_version() -> ClubRulesVersion | None:
    return ClubRulesVersion.objects.order_by("-version").first()


# --- roster and usage (from the provinces) -------------------------------------------------


# The roster row fields of a ``club.member`` payload (and of each ``club.roster`` row).
MEMBER_FIELDS = (
    "card_number",
    "home_province",
    "tier",
    "status",
    "level",
    "name_masked",
    "phone_masked",
    "since",
)


def apply_members(messages) -> None:
    """Keep the roster rows and HQ's directory entries of members (topic ``club.member``),
    set-based: one upsert per table for a whole delivery.

    The sync core already skips stale versions per key; the roster keeps the version too
    because ``club.roster`` messages (not gated per key) carry the same rows."""
    _apply_member_rows(messages, rows=None)


def apply_roster(messages) -> None:
    """Apply ``club.roster`` messages: each row as a ``club.member`` message of the roster
    message's version would be. A card in several messages keeps its newest row."""
    _apply_member_rows(messages, rows="members")


def _apply_member_rows(messages, *, rows: str | None) -> None:
    """Upsert the roster rows of ``messages`` (the payload itself, or its list ``rows``)
    into the roster and HQ's directory, newest version wins per card. A province may only
    send its own members."""
    for message in messages:
        for row in message.payload[rows] if rows else [message.payload]:
            if row["home_province"] != message.source:
                raise ValueError(f"{message.source} sent a member of {row['home_province']}")
    sync.upsert_newer(
        ClubMember,
        messages,
        rows=rows,
        fields=MEMBER_FIELDS,
        unique="card_number",
        now=["synced_at"],
    )
    directory.record_members(messages, rows=rows, fields=[*MEMBER_FIELDS, "phone_key"])


def apply_usage(source: str, version: int, payload: dict) -> None:
    """Replace one member × benefit × month total (topic ``club.usage``): re-sending a
    month replaces it, never adds to it."""
    ClubUsage.objects.update_or_create(
        card_number=payload["card_number"],
        benefit=payload["benefit"],
        month=payload["month"],
        defaults={
            "province": source,
            "tier": payload["tier"],
            "quantity": payload["quantity"],
            "version": version,
        },
    )


# --- visiting members (serving province → HQ → home province and back) -------------------


def route_visit_request(source: str, payload: dict) -> VisitRouting:
    """Record the request and forward it to the member's home province; answer a refusal
    at once when the roster says the member may not be served (R6.5.3)."""
    routing, created = VisitRouting.objects.get_or_create(
        request_id=payload["request_id"],
        defaults={
            "card_number": payload["card_number"],
            "serving_province": source,
            "home_province": payload["home_province"],
            "benefit": payload["benefit"],
            "quantity": payload["quantity"],
            "used_on": payload["used_on"],
            "status": VisitStatus.FORWARDED,
        },
    )
    if not created:
        return routing  # the serving province asked again: the first answer stands
    member = ClubMember.objects.filter(card_number=payload["card_number"]).first()
    # Reasons travel as codes: the serving province words them in its user's language.
    refusal = ""
    if member is None or member.status != MemberStatus.ACTIVE:
        refusal = "not_active"
    elif member.home_province != payload["home_province"]:
        refusal = "wrong_home"
    if refusal:
        _answer(routing, VisitStatus.REFUSED, refusal, None)
        return routing
    sync.publish(
        "club.visit.apply",
        key=str(routing.request_id),
        payload={**payload, "serving_province": source},
        to=member.home_province,
    )
    return routing


def route_visit_result(source: str, payload: dict) -> VisitRouting | None:
    """Record the home province's answer and pass it to the serving province."""
    routing = (
        VisitRouting.objects.select_for_update()
        .filter(request_id=payload["request_id"], home_province=source)
        .first()
    )
    if routing is None:
        raise LookupError(f"No routed visit {payload['request_id']} from {source}")
    if routing.status != VisitStatus.FORWARDED:
        return routing
    _answer(routing, payload["status"], payload["reason"], payload["remaining"])
    return routing


def _answer(routing: VisitRouting, status: str, reason: str, remaining) -> None:
    routing.status = status
    routing.reason = reason
    routing.answered_at = timezone.now()
    routing.save(update_fields=["status", "reason", "answered_at"])
    sync.publish(
        "club.visit.reply",
        key=str(routing.request_id),
        payload={
            "request_id": str(routing.request_id),
            "serving_province": routing.serving_province,
            "status": status,
            "reason": reason,
            "remaining": remaining,
        },
        to=routing.serving_province,
    )
