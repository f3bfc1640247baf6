"""Reads for HQ's standards pages (R11.2): the latest release per kind and the matrix of
provinces × kinds with the version in force, when it was applied, and failures."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from hq.indicators import selectors as indicator_selectors
from hq.standards.choices import StandardKind
from hq.standards.models import ProvinceStandard, StandardRelease
from sync import directory

INDICATORS = "indicators"  # the matrix column of hq.indicators' definitions releases


@dataclass(frozen=True)
class Cell:
    version: int | None
    applied_at: datetime | None
    latest: int
    error: str = ""
    failed_version: int = 0
    local_extensions: int = 0  # stricter values the province keeps over the national ones

    @property
    def behind(self) -> bool:
        """Something was published that the province does not run (yet)."""
        return self.latest > 0 and (self.version or 0) < self.latest


@dataclass(frozen=True)
class MatrixRow:
    schema_name: str
    name: str
    cells: dict[str, Cell]

    @property
    def ordered(self) -> list[tuple[str, Cell]]:
        """The cells in column order (the kinds, then indicator definitions)."""
        return list(self.cells.items())


def latest_versions() -> dict[str, int]:
    rows = StandardRelease.objects.order_by().values("kind").annotate(v=Max("version"))
    latest = dict.fromkeys(StandardKind.values, 0)
    latest.update({row["kind"]: row["v"] for row in rows})
    return latest


def with_latest_version(queryset):
    """Province reports annotated with the newest published version of their kind
    (``latest_version``) and whether the province runs an older one (``behind``)."""
    newest = (
        StandardRelease.objects.filter(kind=OuterRef("kind"))
        .order_by("-version")
        .values("version")[:1]
    )
    return queryset.annotate(latest_version=Coalesce(Subquery(newest), Value(0))).annotate(
        behind=ExpressionWrapper(Q(version__lt=F("latest_version")), output_field=BooleanField())
    )


def columns() -> list[tuple[str, str]]:
    return [*StandardKind.choices, (INDICATORS, _("Indicator definitions"))]


def matrix() -> list[MatrixRow]:
    """One row per province (directory order): the standards it runs, side by side."""
    latest = latest_versions()
    reports = {(r.province, r.kind): r for r in ProvinceStandard.objects.all()}
    # Indicator definitions are published by hq.indicators; the version a province runs is
    # the one its newest snapshot was computed with.
    indicators = {r.schema_name: r for r in indicator_selectors.reporting_status()}
    indicators_latest = indicator_selectors.current_version()
    rows = []
    for member in directory.provinces():
        cells = {}
        for kind in StandardKind.values:
            report = reports.get((member.schema_name, kind))
            cells[kind] = Cell(
                report.version if report and report.version else None,
                report.applied_at if report else None,
                latest[kind],
                report.error if report else "",
                report.failed_version if report else 0,
                report.local_extensions if report else 0,
            )
        reporting = indicators.get(member.schema_name)
        cells[INDICATORS] = Cell(
            reporting.definitions_version if reporting else None,
            reporting.last_received_at if reporting else None,
            indicators_latest,
        )
        rows.append(MatrixRow(member.schema_name, member.display_name, cells))
    return rows


def releases(kind: str):
    return StandardRelease.objects.filter(kind=kind).order_by("-version")
