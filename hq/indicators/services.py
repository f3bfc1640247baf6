"""HQ's indicator operations (appendix 1, R11.2, R4.2): publishing the catalogue, applying
province snapshots, setting targets. One transaction each; what provinces must learn is
published through sync in the same transaction.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import sync
from hq.indicators.models import (
    DefinitionsRelease,
    IndicatorDefinition,
    IndicatorFact,
    ProvinceSnapshot,
    Target,
    TargetAssignment,
)
from shared.errors import Conflict
from sync import directory


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def parse_month(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def _username(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- definitions (R11.2: indicator definitions are an HQ standard) ---------------------------


def current_release() -> DefinitionsRelease | None:
    return DefinitionsRelease.objects.order_by("-version").first()


@transaction.atomic
def publish_definitions(*, actor=None, provinces: list[str] | None = None) -> DefinitionsRelease:
    """Publish the catalogue as a new version to every province (``indicators.definitions``).

    Every publication is a new version, even without edits: a province that missed one (a
    new tenant, a restored schema) is brought up to date by publishing again.
    """
    definitions = list(IndicatorDefinition.objects.order_by("position", "code"))
    last = DefinitionsRelease.objects.aggregate(v=Max("version"))["v"] or 0
    release = DefinitionsRelease.objects.create(
        version=last + 1, published_by=_username(actor), indicators=len(definitions)
    )
    payload = {
        "version": release.version,
        "definitions": [definition.as_payload() for definition in definitions],
    }
    targets = provinces or [member.schema_name for member in directory.provinces()]
    for schema_name in targets:
        sync.publish("indicators.definitions", "catalogue", payload, to=schema_name)
    return release


# --- snapshots (appendix 1: HQ consolidates) ---------------------------------------------------


def apply_snapshots(messages) -> None:
    """Replace each message's province × month of facts by its rows (topic
    ``indicators.snapshot``), set-based: one delete per province and one insert for a whole
    delivery.

    The sync inbox already skipped stale messages of a month (older versions of the same
    key), so whatever arrives here is the province's newest truth for that month: delete
    and insert, never add to what was there (re-publishing never double-counts).
    """
    by_province: dict[str, dict[date, object]] = {}
    for message in messages:
        months = by_province.setdefault(message.source, {})
        period = parse_month(message.payload["period"])
        if period not in months or months[period].version < message.version:
            months[period] = message
    facts = []
    for province, months in by_province.items():
        IndicatorFact.objects.filter(province=province, period__in=list(months)).delete()
        for period, message in months.items():
            payload = message.payload
            facts += [
                {
                    "province": province,
                    "indicator": row["indicator"],
                    "period": period,
                    "dimension": row["dimension"],
                    "member": row["member"],
                    "value": row["value"],  # exact decimal text, cast by PostgreSQL
                    "definitions_version": payload["definitions_version"],
                }
                for row in payload["rows"]
            ]
    sync.insert_rows(IndicatorFact, facts)
    for province, months in by_province.items():
        for period, message in sorted(months.items()):
            _record_snapshot(province, period, message.version, message.payload)


def _record_snapshot(province: str, period: date, message_version: int, payload: dict) -> None:
    ProvinceSnapshot.objects.update_or_create(
        province=province,
        period=period,
        defaults={
            "definitions_version": payload["definitions_version"],
            "computed_at": parse_datetime(payload["computed_at"]) or timezone.now(),
            "message_version": message_version,
            "rows": len(payload["rows"]),
        },
    )
    _record_completion(province, period, payload["targets"])


def _record_completion(province: str, period: date, completions: list[dict]) -> None:
    """Keep each target's completion as of the newest month the province reported it with
    (a late re-publication of an earlier month does not roll it back)."""
    now = timezone.now()
    for completion in completions:
        assignment = (
            TargetAssignment.objects.select_for_update()
            .filter(target__code=completion["target"], province=province)
            .first()
        )
        if assignment is None or (
            assignment.reported_period and assignment.reported_period > period
        ):
            continue
        assignment.actual = _decimal(completion["actual"])
        assignment.completion = _decimal(completion["completion"])
        assignment.reported_period = period
        assignment.reported_at = now
        assignment.save(update_fields=["actual", "completion", "reported_period", "reported_at"])


# --- targets (R11.2, R4.2.1–R4.2.2) -----------------------------------------------------------


def _money(value, field: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = [_("Enter a number of zero or more.")]
        return None
    return amount.quantize(Decimal("0.0001"))


@transaction.atomic
def create_target(
    *,
    code: str,
    name: str,
    indicator: str,
    period_start: date,
    period_end: date,
    national_value,
    assignments: dict[str, object],
    actor=None,
) -> Target:
    """Set a national target and send each province its share (``targets.assigned``).

    Field errors (nothing written): unknown indicator or one without source data, months
    out of order, unknown provinces, negative values, and — for an additive indicator — a
    split that does not add up to the national target (R4.2.2: sums checked against the
    parent). A code already used is a conflict.
    """
    errors: dict[str, list] = {}
    definition = IndicatorDefinition.objects.filter(code=indicator).first()
    if definition is None:
        errors["indicator"] = [_("Unknown indicator.")]
    elif not definition.has_source:
        errors["indicator"] = [_("This indicator has no source data yet.")]
    if not code or not code.strip():
        errors["code"] = [_("This field is required.")]
    if not name or not name.strip():
        errors["name"] = [_("This field is required.")]
    period_start, period_end = period_start.replace(day=1), period_end.replace(day=1)
    if period_end < period_start:
        errors["period_end"] = [_("The last month cannot come before the first.")]
    national = _money(national_value, "national_value", errors)
    known = {member.schema_name for member in directory.provinces()}
    shares: dict[str, Decimal] = {}
    share_errors = {}
    for province, value in assignments.items():
        if province not in known:
            share_errors[province] = [_("Unknown province.")]
            continue
        problems: dict = {}
        amount = _money(value, province, problems)
        if problems:
            share_errors.update(problems)
        else:
            shares[province] = amount
    if not assignments:
        errors["assignments"] = [_("Assign the target to at least one province.")]
    elif share_errors:
        errors["assignments"] = [share_errors]
    elif (
        definition is not None
        and definition.additive
        and national is not None
        and sum(shares.values()) != national
    ):
        errors["assignments"] = [
            _("The provinces' values add up to %(sum)s, not to the national target %(national)s.")
            % {"sum": sum(shares.values()).normalize(), "national": national.normalize()}
        ]
    if errors:
        raise ValidationError(errors)
    if Target.objects.filter(code=code).exists():
        raise Conflict(_("A target with this code exists already."), fields={"code": [code]})

    target = Target.objects.create(
        code=code.strip(),
        name=name.strip(),
        indicator=definition,
        period_start=period_start,
        period_end=period_end,
        national_value=national,
        created_by=_username(actor),
    )
    TargetAssignment.objects.bulk_create(
        TargetAssignment(target=target, province=province, value=value)
        for province, value in sorted(shares.items())
    )
    for province, value in sorted(shares.items()):
        sync.publish(
            "targets.assigned",
            target.code,
            {
                "target": target.code,
                "name": target.name,
                "indicator": definition.code,
                "period_start": month_key(period_start),
                "period_end": month_key(period_end),
                "national_value": str(national),
                "value": str(value),
                "additive": definition.additive,
            },
            to=province,
        )
    return target
