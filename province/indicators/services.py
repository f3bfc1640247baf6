"""The province's indicator operations (appendix 1, R11.2, R4.2).

- ``apply_definitions`` / ``apply_target``: what HQ sends (sync handlers call them).
- ``split_target``: the province's split of a target over its org units (R4.2.2).
- ``compute_indicators``: compute a month (``selectors.compute_month``), keep the values,
  work out the completion of the targets running in that month, and publish the whole
  month to HQ as one ``indicators.snapshot`` — all in one transaction. Computing a month
  again replaces it, here and at HQ.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

import sync
from province.indicators.models import (
    DefinitionsReceipt,
    IndicatorValue,
    ProvinceTarget,
    ReceivedDefinition,
    UnitTarget,
)
from province.indicators.selectors import (
    TARGET,
    TOTAL,
    Row,
    compute_month,
    ratio,
)
from province.org.models import OrgUnit
from sync import directory

HQ = directory.hq_schema()
# How months add up inside a target's period when no definitions were received yet.
STOCK_INDICATORS = {
    "KC_COUNT",
    "KC_OPENING",
    "ARREARS_AMOUNT",
    "POINTS_OUTSTANDING",
    "POINTS_LIABILITY",
}


def parse_month(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def definitions_version() -> int:
    """The catalogue version in force here (0: none received yet)."""
    return DefinitionsReceipt.objects.aggregate(v=Max("version"))["v"] or 0


# --- from HQ ---------------------------------------------------------------------------------


@transaction.atomic
def apply_definitions(payload: dict) -> DefinitionsReceipt:
    """Replace the catalogue by the version HQ sent (R11.2: HQ standards apply here)."""
    version = payload["version"]
    ReceivedDefinition.objects.all().delete()
    ReceivedDefinition.objects.bulk_create(
        ReceivedDefinition(position=index, version=version, **definition)
        for index, definition in enumerate(payload["definitions"])
    )
    receipt, _created = DefinitionsReceipt.objects.update_or_create(
        version=version, defaults={"indicators": len(payload["definitions"])}
    )
    return receipt


@transaction.atomic
def apply_target(payload: dict) -> ProvinceTarget:
    """Store (or update) the province's share of a national target."""
    target, _created = ProvinceTarget.objects.update_or_create(
        code=payload["target"],
        defaults={
            "name": payload["name"],
            "indicator": payload["indicator"],
            "period_start": parse_month(payload["period_start"]),
            "period_end": parse_month(payload["period_end"]),
            "national_value": Decimal(payload["national_value"]),
            "value": Decimal(payload["value"]),
            "additive": payload.get("additive", True),
        },
    )
    return target


# --- split over the org units (R4.2.2) ------------------------------------------------------


def root_unit() -> OrgUnit | None:
    return OrgUnit.objects.filter(parent__isnull=True).first()


def parent_share(target: ProvinceTarget, parent: OrgUnit) -> Decimal | None:
    """What ``parent`` has to split: the province's value at the root, else its own share
    (None when it has none yet)."""
    if parent.parent_id is None:
        return target.value
    share = UnitTarget.objects.filter(target=target, org_unit=parent).first()
    return share.value if share else None


def share_field(unit_id: int) -> str:
    """The error key (and form field name) of one unit's share."""
    return f"unit_{unit_id}"


@dataclass(frozen=True)
class SplitResult:
    shares: list[UnitTarget]
    cleared: list[OrgUnit]  # units whose own split was dropped because their share changed


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _clear_below(target: ProvinceTarget, unit: OrgUnit) -> bool:
    below = UnitTarget.objects.filter(target=target, org_unit__path__startswith=unit.path).exclude(
        org_unit=unit
    )
    return below.delete()[0] > 0


@transaction.atomic
def split_target(
    target: ProvinceTarget, parent: OrgUnit, shares: dict[int, object], *, actor=None
) -> SplitResult:
    """Split ``parent``'s part of ``target`` over its active child units (R4.2.2).

    ``shares`` maps unit ids to values (empty: no share). As HQ checks its split over the
    provinces: for an additive indicator the shares must add up exactly to what ``parent``
    holds (the province's value at the root); a sum above it or below it is refused with
    the difference; for other indicators (a rate) each unit's value stands alone. Field
    errors per unit, nothing written. A unit whose share changes loses the split below it
    (it no longer adds up); the result names those units.
    """
    target = ProvinceTarget.objects.select_for_update().get(pk=target.pk)
    amount = parent_share(target, parent)
    if amount is None:
        raise ValidationError(
            {"parent": [_("%(unit)s has no share of this target to split yet.") % {"unit": parent}]}
        )
    children = {unit.pk: unit for unit in OrgUnit.objects.filter(parent=parent, is_active=True)}
    errors: dict[str, list] = {}
    values: dict[int, Decimal] = {}
    for unit_id, raw in shares.items():
        key = share_field(unit_id)
        if unit_id not in children:
            errors[key] = [_("Not an active unit directly under %(unit)s.") % {"unit": parent}]
            continue
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[key] = [_("Enter a number.")]
            continue
        if not value.is_finite() or value < 0:
            errors[key] = [_("Enter a number of zero or more.")]
            continue
        values[unit_id] = value.quantize(Decimal("0.0001"))
    if not values and not errors:
        errors["shares"] = [_("Give at least one unit a share.")]
    if not errors and target.additive:
        total = sum(values.values(), Decimal(0))
        holder = (
            _("the province's target")
            if parent.parent_id is None
            else _("the share of %(unit)s") % {"unit": parent}
        )
        if total > amount:
            errors["shares"] = [
                _(
                    "The units' shares add up to %(sum)s, %(diff)s more than %(holder)s "
                    "(%(amount)s)."
                )
                % {
                    "sum": _plain(total),
                    "diff": _plain(total - amount),
                    "holder": holder,
                    "amount": _plain(amount),
                }
            ]
        elif total < amount:
            errors["shares"] = [
                _(
                    "The units' shares add up to %(sum)s, not to %(holder)s (%(amount)s): "
                    "%(diff)s is left to assign."
                )
                % {
                    "sum": _plain(total),
                    "diff": _plain(amount - total),
                    "holder": holder,
                    "amount": _plain(amount),
                }
            ]
    if errors:
        raise ValidationError(errors)

    existing = {
        share.org_unit_id: share
        for share in UnitTarget.objects.select_for_update()
        .filter(target=target, org_unit__parent=parent)
        .order_by("pk")
    }
    kept, cleared = [], []
    for unit_id, unit in sorted(children.items()):
        share, value = existing.pop(unit_id, None), values.get(unit_id)
        if share is not None and share.value == value:
            kept.append(share)
            continue
        if share is not None and _clear_below(target, unit):
            cleared.append(unit)
        if value is None:
            if share is not None:
                share.stamp(actor)  # the history says who removed it
                share.delete()
            continue
        if share is None:
            share = UnitTarget(target=target, org_unit=unit)
        share.value = value
        share.stamp(actor)
        share.save()
        kept.append(share)
    for share in existing.values():  # shares of units no longer active under the parent
        _clear_below(target, share.org_unit)
        share.delete()
    return SplitResult(kept, cleared)


# --- computation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    target: ProvinceTarget
    actual: Decimal | None
    completion: Decimal | None


def _in_catalogue(rows: list[Row]) -> list[Row]:
    """The rows HQ's catalogue asks for, plus an absent row for every catalogue indicator
    the province cannot compute (no source data yet): absent, never zero."""
    definitions = {d.code: d for d in ReceivedDefinition.objects.all()}
    if not definitions:
        return rows  # nothing received yet: report everything computed, version 0
    kept = [
        row
        for row in rows
        if row.indicator in definitions
        and definitions[row.indicator].has_source
        and (row.dimension == TOTAL or row.dimension in definitions[row.indicator].dimensions)
    ]
    computed = {row.indicator for row in kept}
    for code, definition in definitions.items():
        if code not in computed and (code != "TARGET_COMPLETION" or not definition.has_source):
            kept.append(Row(code, TOTAL, "", None))
    return kept


def _over_time(indicator: str) -> str:
    definition = ReceivedDefinition.objects.filter(code=indicator).first()
    if definition is not None:
        return definition.over_time
    return "last" if indicator in STOCK_INDICATORS else "sum"


def target_completions(month: date) -> list[Completion]:
    """R4.2.3: each running target's actual so far and its completion (%), from the
    province's stored totals: flows add up the target's months up to ``month``, stocks
    and rates take ``month``'s value. Months not computed count as nothing."""
    result = []
    targets = ProvinceTarget.objects.filter(period_start__lte=month, period_end__gte=month)
    for target in targets.order_by("code"):
        totals = IndicatorValue.objects.filter(indicator=target.indicator, dimension=TOTAL)
        if _over_time(target.indicator) == "sum":
            actual = totals.filter(period__gte=target.period_start, period__lte=month).aggregate(
                s=Sum("value")
            )["s"]
        else:
            actual = totals.filter(period=month).values_list("value", flat=True).first()
        result.append(Completion(target, actual, ratio(actual, target.value, 100)))
    return result


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value.quantize(Decimal("0.0001")).normalize(), "f")


@transaction.atomic
def compute_indicators(month: date, *, actor=None) -> list[IndicatorValue]:
    """Compute ``month`` (a first day), keep it here and publish it to HQ (appendix 1)."""
    month = month.replace(day=1)
    now = timezone.now()
    version = definitions_version()
    rows = _in_catalogue(compute_month(month))
    IndicatorValue.objects.filter(period=month).delete()
    values = IndicatorValue.objects.bulk_create(
        IndicatorValue(
            period=month,
            indicator=row.indicator,
            dimension=row.dimension,
            member=row.member,
            value=row.value,
            definitions_version=version,
            computed_at=now,
            computed_by=actor.get_username() if getattr(actor, "is_authenticated", False) else "",
        )
        for row in rows
    )
    completions = target_completions(month)
    values += IndicatorValue.objects.bulk_create(
        IndicatorValue(
            period=month,
            indicator="TARGET_COMPLETION",
            dimension=TARGET,
            member=c.target.code,
            value=c.completion,
            definitions_version=version,
            computed_at=now,
        )
        for c in completions
    )
    _publish_month(month, version, now, values, completions)
    return values


def _publish_month(month: date, version: int, computed_at, values, completions) -> None:
    sync.publish(
        "indicators.snapshot",
        f"{month:%Y-%m}",
        _month_payload(month, version, computed_at, values, completions),
        to=HQ,
    )


def _month_payload(month: date, version: int, computed_at, values, completions) -> dict:
    """The ``indicators.snapshot`` payload of ``month``: its values and target completions."""
    return {
        "period": f"{month:%Y-%m}",
        "definitions_version": version,
        "computed_at": computed_at.isoformat(),
        "rows": [
            {
                "indicator": v.indicator,
                "dimension": v.dimension,
                "member": v.member,
                "value": _decimal_text(v.value),
            }
            for v in values
        ],
        "targets": [
            {
                "target": c.target.code,
                "actual": _decimal_text(c.actual),
                "completion": _decimal_text(c.completion),
            }
            for c in completions
        ],
    }


def computed_months() -> list[str]:
    """Every month computed here ("YYYY-MM", oldest first): the ``indicators.snapshot``
    snapshot keys."""
    months = IndicatorValue.objects.order_by("period").values_list("period", flat=True)
    return [f"{month:%Y-%m}" for month in months.distinct()]


def publish_months(keys) -> int:
    """Re-publish stored months to HQ as they were computed (a full resync): no
    recomputation, the values are the ones this province already reported or would have.
    Target completions are worked out again from the stored totals, as computing does.
    The months' values are read with one query and published with one outbox insert."""
    by_month: dict[date, list[IndicatorValue]] = {}
    stored = IndicatorValue.objects.filter(period__in=[parse_month(key) for key in keys])
    for value in stored.order_by("period", "id"):
        by_month.setdefault(value.period, []).append(value)
    messages = [
        (
            f"{month:%Y-%m}",
            _month_payload(
                month,
                max(v.definitions_version for v in values),
                max(v.computed_at for v in values),
                values,
                target_completions(month),
            ),
        )
        for month, values in by_month.items()
    ]
    return sync.publish_many("indicators.snapshot", messages, to=HQ)
