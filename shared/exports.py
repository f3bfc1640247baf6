"""File downloads shared by every export (R2.1.2, R2.5: "with an export")."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpResponse


def csv_download(filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV attachment Excel opens with Chinese text intact: UTF-8 with a byte-order mark."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    csv.writer(response).writerows(rows)
    return response


@dataclass
class Section:
    """One table of an export: a title (the sheet name), column headings and rows."""

    title: str
    headings: list[str]
    rows: list[list]


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sections_download(sections: list[Section], filename: str, fmt: str = "xlsx") -> HttpResponse:
    """An Excel workbook with one sheet per section (``fmt`` "xlsx"), else one CSV file with
    the sections one under another."""
    if fmt != "xlsx":
        rows: list[list] = []
        for index, section in enumerate(sections):
            if index:
                rows.append([])
            rows += [[section.title], section.headings]
            rows += [["" if v is None else v for v in row] for row in section.rows]
        return csv_download(f"{filename}.csv", rows)
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for section in sections:
        # Sheet titles: at most 31 characters, none of []:*?/\ , unique in the workbook.
        title = "".join(ch for ch in section.title if ch not in "[]:*?/\\")[:31] or "Sheet"
        while title in used:
            title = f"{title[:28]}_{len(used)}"
        used.add(title)
        sheet = workbook.create_sheet(title)
        sheet.append(section.headings)
        for row in section.rows:
            sheet.append(["" if v is None else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
