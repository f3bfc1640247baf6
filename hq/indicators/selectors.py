"""Read queries of HQ's indicator dashboards: national consolidation, per-province ranking,
trends and drill-down, all from the one fact table (appendix 1).

National values follow each definition's ``consolidation`` (see ``catalogue.py``): sums are
added, rates are recomputed from the summed numerator and denominator (never an average of
provincial rates), averages are weighted, growth compares national totals. Facts are read
with one query per call (only the indicators and months needed), and consolidated in Python
over at most provinces × members values.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Max

from hq.indicators.choices import Consolidation
from hq.indicators.models import (
    DefinitionsRelease,
    IndicatorDefinition,
    IndicatorFact,
    ProvinceSnapshot,
    Target,
)
from sync import directory

TOTAL = ""
CENT = Decimal("0.01")


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def periods() -> list[date]:
    """Every month some province reported, oldest first."""
    return list(
        ProvinceSnapshot.objects.order_by("period").values_list("period", flat=True).distinct()
    )


def definitions() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.order_by("position", "code"))


def _basis_codes(definition: IndicatorDefinition) -> set[str]:
    basis = definition.basis or {}
    return {basis[k] for k in ("numerator", "denominator", "weight", "base") if basis.get(k)}


def _lag(definition: IndicatorDefinition) -> int:
    return int((definition.basis or {}).get("lag") or 0)


Table = dict[tuple[str, date, str], dict[str, Decimal | None]]


def _load(codes, months, dimension: str = TOTAL, province: str | None = None) -> Table:
    """Facts as {(indicator, month, member): {province: value}}."""
    facts = IndicatorFact.objects.filter(
        indicator__in=codes, period__in=months, dimension=dimension
    )
    if province:
        facts = facts.filter(province=province)
    table: Table = defaultdict(dict)
    for code, month, member, where, value in facts.order_by().values_list(
        "indicator", "period", "member", "province", "value"
    ):
        table[(code, month, member)][where] = value
    return table


def _sum(table: Table, code: str, month: date, member: str) -> Decimal | None:
    values = [v for v in table.get((code, month, member), {}).values() if v is not None]
    return sum(values, Decimal(0)) if values else None


def consolidate(
    definition: IndicatorDefinition, table: Table, month: date, member: str = TOTAL
) -> Decimal | None:
    """The national value of ``definition`` for ``month`` (and a dimension member)."""
    basis = definition.basis or {}
    kind = definition.consolidation
    if kind == Consolidation.SUM:
        return _sum(table, definition.code, month, member)
    if kind == Consolidation.RATIO:
        numerator = _sum(table, basis["numerator"], month, member)
        denominator = _sum(table, basis["denominator"], month, member)
        if numerator is None or not denominator:
            return None
        return _round(numerator * Decimal(basis.get("scale", 1)) / denominator)
    if kind == Consolidation.MEAN:
        values = table.get((definition.code, month, member), {})
        weights = table.get((basis["weight"], month, member), {})
        pairs = [(v, weights[p]) for p, v in values.items() if v is not None and weights.get(p)]
        total_weight = sum((w for _v, w in pairs), Decimal(0))
        if not total_weight:
            return None
        return _round(sum((v * w for v, w in pairs), Decimal(0)) / total_weight)
    if kind == Consolidation.GROWTH and member == TOTAL:
        current = _sum(table, basis["base"], month, TOTAL)
        previous = _sum(table, basis["base"], month - relativedelta(months=_lag(definition)), TOTAL)
        if current is None or not previous:
            return None
        return _round((current / previous - 1) * 100)
    return None  # "target" is shown per target; "none" has no source yet


def _months_needed(definition: IndicatorDefinition, months: list[date]) -> set[date]:
    lag = _lag(definition)
    return set(months) | {m - relativedelta(months=lag) for m in months if lag}


@dataclass(frozen=True)
class NationalValue:
    definition: IndicatorDefinition
    value: Decimal | None
    provinces: int


def national_totals(month: date) -> list[NationalValue]:
    """Every indicator's national value for ``month`` and how many provinces reported it."""
    all_definitions = definitions()
    codes = {d.code for d in all_definitions}
    months = {month, month - relativedelta(months=1), month - relativedelta(months=12)}
    table = _load(codes, months)
    result = []
    for definition in all_definitions:
        reporting = table.get((definition.code, month, TOTAL), {})
        result.append(
            NationalValue(
                definition,
                consolidate(definition, table, month),
                sum(1 for v in reporting.values() if v is not None),
            )
        )
    return result


def national_by_member(definition: IndicatorDefinition, month: date, dimension: str) -> list:
    """The national value of each member of ``dimension`` (e.g. per level)."""
    table = _load({definition.code} | _basis_codes(definition), [month], dimension)
    members = sorted({member for (code, _m, member) in table if code == definition.code})
    return [(member, consolidate(definition, table, month, member)) for member in members]


def trend(definition: IndicatorDefinition, months: list[date], province: str | None = None):
    """The indicator per month: national (or one province's) values, oldest first."""
    needed = set()
    for month in months:
        needed |= _months_needed(definition, [month])
    table = _load({definition.code} | _basis_codes(definition), needed, province=province)
    return [(month, consolidate(definition, table, month)) for month in months]


@dataclass(frozen=True)
class ProvinceValue:
    schema_name: str
    name: str
    value: Decimal | None


def ranking(definition: IndicatorDefinition, month: date) -> list[ProvinceValue]:
    """Every province's value for ``month``, highest first, provinces without one last."""
    values = dict(
        IndicatorFact.objects.filter(indicator=definition.code, period=month, dimension=TOTAL)
        .order_by()
        .values_list("province", "value")
    )
    rows = [
        ProvinceValue(m.schema_name, m.display_name, values.get(m.schema_name))
        for m in directory.provinces()
    ]
    return sorted(rows, key=lambda r: (r.value is None, -(r.value or 0), r.schema_name))


def province_breakdown(province: str, month: date) -> dict[str, dict[str, dict[str, Decimal]]]:
    """One province's values of ``month``: {indicator: {dimension: {member: value}}}."""
    result: dict = defaultdict(lambda: defaultdict(dict))
    facts = IndicatorFact.objects.filter(province=province, period=month).order_by()
    for code, dimension, member, value in facts.values_list(
        "indicator", "dimension", "member", "value"
    ):
        result[code][dimension][member] = value
    return {code: dict(dims) for code, dims in result.items()}


@dataclass(frozen=True)
class ProvinceReporting:
    schema_name: str
    name: str
    definitions_version: int | None
    last_period: date | None
    last_received_at: datetime | None
    months: int


def reporting_status() -> list[ProvinceReporting]:
    """Per province: the definitions version of its newest snapshot (the version it computes
    with, R11.2), its newest month and when it arrived."""
    newest = {}
    for snapshot in ProvinceSnapshot.objects.order_by("province", "-period", "-received_at"):
        newest.setdefault(snapshot.province, snapshot)
    counts = dict(
        ProvinceSnapshot.objects.order_by()
        .values("province")
        .annotate(n=Count("id"))
        .values_list("province", "n")
    )
    received = dict(
        ProvinceSnapshot.objects.order_by()
        .values("province")
        .annotate(at=Max("received_at"))
        .values_list("province", "at")
    )
    rows = []
    for member in directory.provinces():
        snapshot = newest.get(member.schema_name)
        rows.append(
            ProvinceReporting(
                member.schema_name,
                member.display_name,
                snapshot.definitions_version if snapshot else None,
                snapshot.period if snapshot else None,
                received.get(member.schema_name),
                counts.get(member.schema_name, 0),
            )
        )
    return rows


def current_version() -> int:
    return DefinitionsRelease.objects.aggregate(v=Max("version"))["v"] or 0


@dataclass(frozen=True)
class TargetComparison:
    target: Target
    rows: list  # TargetAssignment with .name
    assigned: Decimal
    actual: Decimal | None
    completion: Decimal | None


def target_comparison(target: Target) -> TargetComparison:
    """R11.2: the provinces side by side on one target: assigned, actual, completion."""
    names = {m.schema_name: m.display_name for m in directory.provinces()}
    rows = list(target.assignments.order_by("province"))
    for row in rows:
        row.name = names.get(row.province, row.province)
    assigned = sum((r.value for r in rows), Decimal(0))
    reported = [r for r in rows if r.actual is not None]
    actual = sum((r.actual for r in reported), Decimal(0)) if reported else None
    completion = None
    if actual is not None and target.indicator.additive:
        base = sum((r.value for r in reported), Decimal(0))
        completion = _round(actual * 100 / base) if base else None
    return TargetComparison(target, rows, assigned, actual, completion)
