"""File downloads shared by every export (R2.1.2, R2.5: "with an export")."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse


def csv_download(filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV attachment Excel opens with Chinese text intact: UTF-8 with a byte-order mark."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    csv.writer(response).writerows(rows)
    return response
