"""Excel export of HQ's club statistics (R11.1: "usage statistics … with an export").

One sheet per table; CSV when openpyxl is missing (as the province analysis exports do).
"""

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

from shared.exports import csv_download

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def statistics_sheets(figures: dict) -> list[tuple[str, list, list]]:
    return [
        (
            _("By province"),
            [_("Province"), _("Active members"), _("Benefits used")],
            [[r["name"], r["members"], r["used"]] for r in figures["by_province"]],
        ),
        (
            _("By tier"),
            [_("Tier"), _("Benefits used")],
            [[r["name"], r["used"]] for r in figures["by_tier"]],
        ),
        (
            _("By benefit"),
            [_("Benefit"), _("Benefits used")],
            [[r["benefit"], r["used"]] for r in figures["by_benefit"]],
        ),
        (
            _("By month"),
            [_("Month"), _("Benefits used")],
            [[f"{figures['year']}-{m:02d}", n] for m, n in enumerate(figures["by_month"], 1)],
        ),
    ]


def statistics_download(figures: dict, fmt: str) -> HttpResponse:
    sheets = statistics_sheets(figures)
    filename = f"club-usage-{figures['year']}"
    try:
        from openpyxl import Workbook
    except ImportError:
        fmt = "csv"
    if fmt == "csv":
        rows: list[list] = []
        for title, headings, body in sheets:
            rows += [[title], headings, *body, []]
        return csv_download(f"{filename}.csv", rows)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headings, body in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(headings)
        for row in body:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
