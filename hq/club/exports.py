"""Excel export of HQ's club statistics (R11.1: "usage statistics … with an export")."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

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
