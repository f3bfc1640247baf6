"""File downloads shared by every export (R2.1.2, R2.5: "with an export").

- ``csv_download``: rows as a CSV attachment that Excel opens with Chinese text intact.
- ``sections_download``: figures as sections (a title, column headings, rows): an Excel
  workbook with one sheet per section, or one CSV with the sections one under another.
- ``jsonable``: figures as JSON-ready data for the charts and the JSON API.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Section:
    title: str
    headings: list[str]
    rows: list[list]


def csv_download(filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV attachment Excel opens with Chinese text intact: UTF-8 with a byte-order mark."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    csv.writer(response).writerows(rows)
    return response


def jsonable(value):
    """The figures as JSON-ready data: amounts and rates as strings (exact, as DRF does)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def _cell(value):
    return "" if value is None else value


def _sheet_title(title: str, used: set[str]) -> str:
    """At most 31 characters, none of []:*?/\\, unique in the workbook (Excel's rules)."""
    title = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or "Sheet"
    while title in used:
        title = f"{title[:28]}_{len(used)}"
    used.add(title)
    return title


def _xlsx_download(sections: list[Section], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for section in sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        sheet.append([str(heading) for heading in section.headings])
        for row in section.rows:
            sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def sections_download(sections: list[Section], filename: str, fmt: str = "xlsx") -> HttpResponse:
    """``fmt`` "xlsx": a workbook, one sheet per section; anything else: one CSV."""
    if fmt == "xlsx":
        return _xlsx_download(sections, filename)
    rows: list[list] = []
    for index, section in enumerate(sections):
        if index:
            rows.append([])
        rows += [[section.title], section.headings]
        rows += [[_cell(value) for value in row] for row in section.rows]
    return csv_download(f"{filename}.csv", rows)
