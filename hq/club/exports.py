"""Excel exports of HQ's club pages (R11.1: "usage statistics … with an export"): the usage
statistics and the routed visits (R6.5.3)."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from hq.club.choices import VisitStatus
from shared.exports import Section, sections_download


def statistics_sections(figures: dict) -> list[Section]:
    return [
        Section(
            _("By province"),
            [_("Province"), _("Active members"), _("Benefits used")],
            [[r["name"], r["members"], r["used"]] for r in figures["by_province"]],
        ),
        Section(
            _("By tier"),
            [_("Tier"), _("Benefits used")],
            [[r["name"], r["used"]] for r in figures["by_tier"]],
        ),
        Section(
            _("By benefit"),
            [_("Benefit"), _("Benefits used")],
            [[r["benefit"], r["used"]] for r in figures["by_benefit"]],
        ),
        Section(
            _("By month"),
            [_("Month"), _("Benefits used")],
            [[f"{figures['year']}-{m:02d}", n] for m, n in enumerate(figures["by_month"], 1)],
        ),
    ]


def statistics_download(figures: dict, fmt: str) -> HttpResponse:
    """``fmt`` "xlsx" (one sheet per table) or "csv"."""
    return sections_download(statistics_sections(figures), f"club-usage-{figures['year']}", fmt)


def visits_sections(rows, figures: dict, names: dict[str, str]) -> list[Section]:
    """The routed visits one per line, then the serving → home pairs and the monthly trend."""
    statuses = dict(VisitStatus.choices)
    return [
        Section(
            _("Routed visits"),
            [
                _("Used on"),
                _("Card number"),
                _("Serving province"),
                _("Home province"),
                _("Benefit"),
                _("Quantity"),
                _("Status"),
                _("Reason"),
                _("Routed at"),
                _("Answered at"),
                _("Request id"),
            ],
            [
                [
                    v.used_on,
                    v.card_number,
                    names.get(v.serving_province, v.serving_province),
                    names.get(v.home_province, v.home_province),
                    v.benefit,
                    v.quantity,
                    str(statuses.get(v.status, v.status)),
                    v.reason_text,
                    _local(v.created_at),
                    _local(v.answered_at),
                    str(v.request_id),
                ]
                for v in rows
            ],
        ),
        Section(
            _("By serving and home province"),
            [
                _("Serving province"),
                _("Home province"),
                *[label for _value, label in VisitStatus.choices],
                _("Visits"),
                _("Quantity"),
            ],
            [
                [
                    p["serving_name"],
                    p["home_name"],
                    *[p[value] for value in VisitStatus.values],
                    p["visits"],
                    p["quantity"],
                ]
                for p in figures["pairs"]
            ],
        ),
        Section(
            _("By month"),
            [_("Month"), _("Visits"), _("Quantity")],
            [[m["month"], m["visits"], m["quantity"]] for m in figures["months"]],
        ),
    ]


def _local(moment):
    # Excel cells cannot hold time zones: Beijing time, as the page shows it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def visits_download(rows, figures: dict, names: dict[str, str], fmt: str, month) -> HttpResponse:
    """``fmt`` "xlsx" (one sheet per table) or "csv"."""
    name = f"club-visits-{month:%Y-%m}" if month else "club-visits"
    return sections_download(visits_sections(rows, figures, names), name, fmt)
