"""The province's indicator operations (appendix 1, R11.2, R4.2).

- ``apply_definitions`` / ``apply_target``: what HQ sends (sync handlers call them).
- ``compute_indicators``: compute a month (``selectors.compute_month``), keep the values,
  work out the completion of the targets running in that month, and publish the whole
  month to HQ as one ``indicators.snapshot`` — all in one transaction. Computing a month
  again replaces it, here and at HQ.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

import sync
from province.indicators.models import (
    DefinitionsReceipt,
    IndicatorValue,
    ProvinceTarget,
    ReceivedDefinition,
)
from province.indicators.selectors import TARGET, TOTAL, Row, compute_month, ratio
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
        },
    )
    return target


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
        {
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
        },
        to=HQ,
    )


def computed_months() -> list[str]:
    """Every month computed here ("YYYY-MM", oldest first): the ``indicators.snapshot``
    snapshot keys."""
    months = IndicatorValue.objects.order_by("period").values_list("period", flat=True)
    return [f"{month:%Y-%m}" for month in months.distinct()]


def publish_months(keys) -> int:
    """Re-publish stored months to HQ as they were computed (a full resync): no
    recomputation, the values are the ones this province already reported or would have.
    Target completions are worked out again from the stored totals, as computing does."""
    published = 0
    for key in keys:
        month = parse_month(key)
        values = list(IndicatorValue.objects.filter(period=month).order_by("id"))
        if not values:
            continue
        version = max(v.definitions_version for v in values)
        computed_at = max(v.computed_at for v in values)
        _publish_month(month, version, computed_at, values, target_completions(month))
        published += 1
    return published
