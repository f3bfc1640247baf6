"""HQ's national standards operations (R11.2): edit a draft, publish it as a new immutable
version to every province (``standards.release``, key = kind), send a release again, and
record what provinces report (``standards.applied``). One transaction each.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import sync
from hq.standards.choices import (
    BONUS_CONDITIONS,
    PENALTY_CONDITIONS,
    EarningKind,
    ProductCategory,
    StandardKind,
)
from hq.standards.models import ProvinceStandard, StandardDraft, StandardRelease
from shared.errors import Conflict
from shared.vocab.customer_levels import LEVEL_ORDER, NationalLevel
from shared.vocab.service_requests import RequestKind
from sync import directory
from sync.registry import STANDARD_CONTENT


def _username(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def draft(kind: str) -> StandardDraft:
    return StandardDraft.objects.get_or_create(kind=kind)[0]


def _flatten(errors) -> list[str]:
    if isinstance(errors, dict):
        return [f"{key}: {m}" for key, value in errors.items() for m in _flatten(value)]
    if isinstance(errors, list):
        return [m for item in errors for m in _flatten(item)]
    return [str(errors)]


def clean_content(kind: str, content: dict) -> dict:
    """The content of a release of ``kind``, checked as the provinces will apply it; field
    errors (``content`` and the rule that is wrong) as ``ValidationError``."""
    serializer = STANDARD_CONTENT[kind](data=content)
    if not serializer.is_valid():
        raise ValidationError({"content": _flatten(serializer.errors)})
    cleaned = dict(serializer.validated_data)
    {
        StandardKind.LEVELS: _check_levels,
        StandardKind.POINTS: _check_points,
        StandardKind.PRODUCTS: _check_products,
        StandardKind.SLAS: _check_slas,
    }.get(kind, lambda c: None)(cleaned)
    return cleaned


def _check_levels(content: dict) -> None:
    # Mirrors province.levels: one rule per level, a higher level at least as hard to reach.
    levels = [rule["level"] for rule in content["rules"]]
    if len(set(levels)) != len(levels):
        raise ValidationError({"rules": _("One rule per level.")})
    ordered = sorted(content["rules"], key=lambda r: LEVEL_ORDER.index(r["level"]))
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        if Decimal(higher["min_avg_monthly_paid"]) < Decimal(lower["min_avg_monthly_paid"]):
            raise ValidationError(
                {"rules": _("A higher level needs at least the revenue of a lower one.")}
            )


def _check_points(content: dict) -> None:
    codes = [rule["code"] for rule in content["rules"]]
    if len(set(codes)) != len(codes):
        raise ValidationError({"rules": _("Each national rule needs its own code.")})
    for rule in content["rules"]:
        kind = rule["kind"]
        if kind == EarningKind.LEVEL_MULTIPLIER and rule["level"] not in LEVEL_ORDER:
            raise ValidationError(
                {"rules": _("Rule %(code)s: a level multiplier names its level.") % rule}
            )
        if kind == EarningKind.BONUS and rule["condition"] not in BONUS_CONDITIONS:
            raise ValidationError({"rules": _("Rule %(code)s: a bonus needs a condition.") % rule})
        if kind == EarningKind.PENALTY and rule["condition"] not in PENALTY_CONDITIONS:
            raise ValidationError(
                {"rules": _("Rule %(code)s: a penalty applies to bills paid late.") % rule}
            )
        if kind in (EarningKind.BASE, EarningKind.LEVEL_MULTIPLIER) and rule["condition"]:
            raise ValidationError(
                {"rules": _("Rule %(code)s: only bonuses and penalties have a condition.") % rule}
            )


def _check_products(content: dict) -> None:
    codes = [product["code"] for product in content["products"]]
    if len(set(codes)) != len(codes):
        raise ValidationError({"products": _("Each national product needs its own code.")})
    for product in content["products"]:
        if product["category"] not in ProductCategory.values:
            raise ValidationError({"products": _("Product %(code)s: unknown category.") % product})


def sla_key(level: str, request_kind: str, field: str) -> str:
    """The error key (and form field name) of one value of the service SLA standard."""
    return f"{level}_{request_kind}_{field}"


def _check_slas(content: dict) -> None:
    """R11.2: per customer level and request kind, positive hours, a first response no later
    than the resolution, a compliance target between 0 and 100 %; every level × kind once.
    Errors name the value that is wrong (``gold_complaint_response_hours``)."""
    errors: dict[str, list] = {}
    seen = set()
    for row in content["slas"]:
        level, request_kind = row["level"], row["request_kind"]
        if (level, request_kind) in seen:
            errors.setdefault("slas", []).append(
                _("%(level)s / %(kind)s is set twice.")
                % {"level": NationalLevel(level).label, "kind": RequestKind(request_kind).label}
            )
            continue
        seen.add((level, request_kind))
        response, resolution = (
            Decimal(row["response_hours"]),
            Decimal(row["resolution_hours"]),
        )
        target = Decimal(row["compliance_target"])
        for field, hours in (("response_hours", response), ("resolution_hours", resolution)):
            if hours <= 0:
                errors[sla_key(level, request_kind, field)] = [
                    _("Enter a number of hours greater than zero.")
                ]
        if 0 < resolution < response:
            errors[sla_key(level, request_kind, "response_hours")] = [
                _("The first response cannot come later than the resolution (%(hours)s h).")
                % {"hours": resolution.normalize()}
            ]
        if not 0 <= target <= 100:
            errors[sla_key(level, request_kind, "compliance_target")] = [
                _("Enter a percentage between 0 and 100.")
            ]
    missing = [
        f"{NationalLevel(level).label} / {RequestKind(kind).label}"
        for level in LEVEL_ORDER
        for kind in RequestKind.values
        if (level, kind) not in seen
    ]
    if missing:
        errors.setdefault("slas", []).append(
            _("Every customer level needs time limits for every request kind; missing: %(m)s.")
            % {"m": ", ".join(missing)}
        )
    if errors:
        raise ValidationError(errors)
    for row in content["slas"]:  # one spelling of each number in the release
        for field in ("response_hours", "resolution_hours", "compliance_target"):
            row[field] = _decimal_text(Decimal(row[field]))


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


@transaction.atomic
def save_draft(
    kind: str, content: dict, *, effective_from: date | None = None, actor=None
) -> StandardDraft:
    """Replace the draft of ``kind`` (validated like a release, so publishing cannot fail)."""
    if kind not in StandardKind.values:
        raise ValidationError({"kind": _("Unknown kind of standard.")})
    cleaned = clean_content(kind, content)
    current = StandardDraft.objects.select_for_update().get_or_create(kind=kind)[0]
    current.content = cleaned
    current.effective_from = effective_from
    current.changed_by = _username(actor)
    current.save()
    return current


def _payload(release: StandardRelease) -> dict:
    return {
        "kind": release.kind,
        "version": release.version,
        "published_at": release.published_at.isoformat(),
        "effective_from": release.effective_from.isoformat(),
        "content": release.content,
    }


def _send(release: StandardRelease, provinces: list[str] | None) -> list[str]:
    targets = provinces or [member.schema_name for member in directory.provinces()]
    payload = _payload(release)
    for schema_name in targets:
        sync.publish("standards.release", release.kind, payload, to=schema_name)
    return targets


@transaction.atomic
def publish_release(kind: str, *, actor=None, provinces: list[str] | None = None):
    """Publish the draft of ``kind`` as its next version to every province (R11.2).

    The release is immutable: who and when are recorded, and the next edit goes into the
    draft. Publishing an empty draft (never saved) is a conflict, nothing is written.
    """
    current = StandardDraft.objects.select_for_update().filter(kind=kind).first()
    if current is None or not current.content:
        raise Conflict(_("Save the draft before publishing it."), code="empty_draft")
    content = clean_content(kind, current.content)
    last = StandardRelease.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    release = StandardRelease.objects.create(
        kind=kind,
        version=last + 1,
        content=content,
        effective_from=current.effective_from or timezone.localdate(),
        published_by=_username(actor),
    )
    _send(release, provinces)
    return release


@transaction.atomic
def resend_release(release: StandardRelease, *, provinces: list[str] | None = None) -> list[str]:
    """Send a published release again (a province that missed it, a new tenant). A province
    that already runs a newer version of the kind ignores it."""
    return _send(release, provinces)


@transaction.atomic
def record_applied(province: str, payload: dict) -> ProvinceStandard:
    """Store what ``province`` reports about one kind (the sync core skipped older reports)."""
    applied_at = payload.get("applied_at")
    row, _created = ProvinceStandard.objects.update_or_create(
        province=province,
        kind=payload["kind"],
        defaults={
            "version": payload["version"],
            "applied_at": parse_datetime(applied_at) if applied_at else None,
            "failed_version": payload.get("failed_version") or 0,
            "error": payload.get("error") or "",
            "local_extensions": payload.get("local_extensions") or 0,
        },
    )
    return row
