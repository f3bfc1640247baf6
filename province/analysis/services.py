"""Writing the analysis app's own facts: the satisfaction survey import (R2.5.3).

Survey results arrive as CSV from whoever ran the survey (R8.1 will produce them in the
system later). The import is all-or-nothing: every row is checked first, and a single bad
row rejects the whole file with a report of every problem by line number, so a corrected
file can simply be imported again.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from province.analysis.choices import ScoreScale
from province.analysis.models import SCALE_BOUNDS, SatisfactionScore, normalise_score
from province.customers.models import Customer

MAX_ROWS = 20_000
MAX_COMMENT = 2000
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file, counting from 1 (0: the file as a whole)
    message: str


class ImportRejected(Exception):
    """Nothing was imported; ``errors`` says which rows are wrong and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise GBK, read as its superset GB18030
    (what spreadsheet programs on Chinese Windows write)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportRejected([RowError(0, _("The file is neither UTF-8 nor GBK text."))]) from exc


def _parse_date(text: str) -> date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _parse_score(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _is_header(row: list[str]) -> bool:
    return len(row) >= 4 and _parse_date(row[2]) is None and _parse_score(row[3]) is None


@transaction.atomic
def import_satisfaction_scores(content: bytes, *, scale: str, actor) -> int:
    """Import survey scores from CSV ``content``; returns how many rows were created.

    Columns: customer number, survey name, date (YYYY-MM-DD), score on ``scale``, comment
    (optional). A first row whose date and score columns are neither a date nor a number is
    taken as a header. Customers must be
    visible to ``actor`` (nobody scores customers they cannot see). Raises
    ``ImportRejected`` listing every bad row, and then writes nothing.
    """
    scale = ScoreScale(scale)
    low, high = SCALE_BOUNDS[scale]
    reader = csv.reader(io.StringIO(decode_csv(content)))
    errors: list[RowError] = []
    parsed = []
    today = timezone.localdate()
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a runaway quoted field
            errors.append(
                RowError(reader.line_num, _("Unreadable CSV: %(error)s") % {"error": exc})
            )
            break
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if any("\x00" in cell for cell in cells):
            errors.append(RowError(line, _("The row contains a NUL character.")))
            continue
        if not parsed and not errors and _is_header(cells):
            continue
        if len(parsed) >= MAX_ROWS:
            errors.append(
                RowError(line, _("At most %(count)d rows per file.") % {"count": MAX_ROWS})
            )
            break
        if not 4 <= len(cells) <= 5:
            errors.append(
                RowError(
                    line,
                    _("Expected 4 or 5 columns, found %(count)d.") % {"count": len(cells)},
                )
            )
            continue
        number, survey, day_text, score_text = cells[:4]
        comment = cells[4] if len(cells) == 5 else ""
        problems = []
        if not number:
            problems.append(_("The customer number is missing."))
        if not survey:
            problems.append(_("The survey name is missing."))
        elif len(survey) > 100:
            problems.append(_("The survey name is longer than 100 characters."))
        surveyed_on = _parse_date(day_text)
        if surveyed_on is None:
            problems.append(
                _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": day_text[:20]}
            )
        elif surveyed_on > today:
            problems.append(_("The survey date is in the future."))
        raw = _parse_score(score_text)
        if raw is None:
            problems.append(_("“%(value)s” is not a number.") % {"value": score_text[:20]})
        elif not low <= raw <= high:
            problems.append(
                _("The score %(value)s is outside the scale %(low)s to %(high)s.")
                % {"value": score_text, "low": low, "high": high}
            )
        elif raw != raw.quantize(Decimal("0.1")):
            problems.append(_("A score has at most one decimal place."))
        if len(comment) > MAX_COMMENT:
            problems.append(
                _("The comment is longer than %(count)d characters.") % {"count": MAX_COMMENT}
            )
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
            continue
        parsed.append((line, number, survey, surveyed_on, raw, comment))

    # One query for all customers of the file, restricted to what the importer may see.
    numbers = {row[1] for row in parsed}
    customer_ids = dict(
        Customer.objects.visible_to(actor)
        .filter(number__in=numbers, merged_into__isnull=True)
        .values_list("number", "pk")
    )
    existing = set(
        SatisfactionScore.objects.filter(
            customer_id__in=customer_ids.values(),
            survey_name__in={row[2] for row in parsed},
            surveyed_on__in={row[3] for row in parsed},
        ).values_list("customer_id", "survey_name", "surveyed_on")
    )
    seen: dict[tuple, int] = {}
    scores = []
    for line, number, survey, surveyed_on, raw, comment in parsed:
        customer_id = customer_ids.get(number)
        if customer_id is None:
            errors.append(
                RowError(
                    line,
                    _("No customer %(number)s among the customers you may see.")
                    % {"number": number[:20]},
                )
            )
            continue
        key = (customer_id, survey, surveyed_on)
        if key in existing:
            errors.append(
                RowError(line, _("This customer already has a score for this survey and day."))
            )
            continue
        if key in seen:
            errors.append(
                RowError(
                    line,
                    _("Same customer, survey and day as line %(line)d.") % {"line": seen[key]},
                )
            )
            continue
        seen[key] = line
        scores.append(
            SatisfactionScore(
                customer_id=customer_id,
                survey_name=survey,
                surveyed_on=surveyed_on,
                scale=scale,
                raw_score=raw,
                score=normalise_score(raw, scale),
                comment=comment,
            )
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.line))
    if not scores:
        raise ImportRejected([RowError(0, _("The file contains no scores."))])
    SatisfactionScore.objects.bulk_create(scores)
    return len(scores)
