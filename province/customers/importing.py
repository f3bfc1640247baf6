"""Bulk import of customers from CSV or Excel with a per-row error report (R2.1.2).

Every row goes through ``services.create_customer`` (the same rules as the form and the
API), each inside its own savepoint so that a bad row leaves nothing behind. Two modes:

- ``all_or_nothing``: every row is validated; if any row is bad nothing is written.
- ``skip_bad_rows``: the good rows are written and the bad ones reported.

Line numbers are the row numbers a spreadsheet shows: the header is line 1.
CSV files may be UTF-8 (with or without BOM) or GBK, the two encodings Excel writes on
Chinese Windows. Headers may be the Chinese column names below, the English field keys or
the English labels; unknown columns are ignored (so an export can be imported again).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from province.customers import services
from province.customers.choices import CertificateType, CustomerStatus, CustomerType
from province.customers.models import Customer
from province.org.models import Staff
from shared.errors import Conflict
from shared.validators import normalize_resident_id
from shared.vocab.industries import INDUSTRY_SECTION_ZH, IndustrySection

IMPORT_PERMISSION = "customers.import_customer"
MAX_ROWS = 50_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportMode(TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", gettext_lazy("All or nothing")
    SKIP_BAD_ROWS = "skip_bad_rows", gettext_lazy("Write the good rows, skip the bad ones")


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str  # the column name of the Chinese file format: fixed data, not a translation
    label: object  # lazy English label, the header of English files


# The file format. The Chinese headers are part of the format (files made by people and by
# other systems use them), so they are recognised whatever the catalogue says.
COLUMNS: tuple[Column, ...] = (
    Column("name", "客户名称", gettext_lazy("Name")),
    Column("type", "客户类型", gettext_lazy("Customer type")),
    Column("certificate_type", "证件类型", gettext_lazy("Certificate type")),
    Column("certificate_no", "证件号码", gettext_lazy("Certificate number")),
    Column("industry", "行业", gettext_lazy("Industry")),
    Column("city", "城市", gettext_lazy("City")),
    Column("district", "区县", gettext_lazy("District")),
    Column("address", "地址", gettext_lazy("Address")),
    Column("phone", "电话", gettext_lazy("Phone")),
    Column("status", "状态", gettext_lazy("Status")),
    Column(
        "account_manager_employee_no",
        "客户经理工号",
        gettext_lazy("Account manager employee number"),
    ),
    Column("joined_on", "入网日期", gettext_lazy("Customer since")),
    Column("parent_number", "集团客户编号", gettext_lazy("Group customer number")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_COLUMNS = ("name", "type")

# Chinese spellings of choice values seen in carriers' spreadsheets, beside the labels
# (in both languages) and the stored codes, which are always accepted.
CHOICE_SYNONYMS_ZH: dict[str, dict[str, str]] = {
    "type": {
        "企业": CustomerType.ENTERPRISE,
        "企业客户": CustomerType.ENTERPRISE,
        "集团": CustomerType.GROUP,
        "集团客户": CustomerType.GROUP,
        "政府": CustomerType.GOVERNMENT,
        "政府客户": CustomerType.GOVERNMENT,
        "个人": CustomerType.INDIVIDUAL,
        "个人客户": CustomerType.INDIVIDUAL,
    },
    "certificate_type": {
        "统一社会信用代码": CertificateType.USCC,
        "营业执照": CertificateType.USCC,
        "居民身份证": CertificateType.RESIDENT_ID,
        "身份证": CertificateType.RESIDENT_ID,
    },
    "status": {
        "潜在": CustomerStatus.POTENTIAL,
        "潜在客户": CustomerStatus.POTENTIAL,
        "在网": CustomerStatus.ACTIVE,
        "正常": CustomerStatus.ACTIVE,
        "暂停": CustomerStatus.SUSPENDED,
        "停机": CustomerStatus.SUSPENDED,
        "离网": CustomerStatus.CHURNED,
        "流失": CustomerStatus.CHURNED,
    },
    "industry": {name: code for code, name in INDUSTRY_SECTION_ZH.items()},
}
CHOICES = {
    "type": CustomerType,
    "certificate_type": CertificateType,
    "status": CustomerStatus,
    "industry": IndustrySection,
}
# Where a service reports a problem on a model field, the report names the file's column.
SERVICE_FIELD_TO_COLUMN = {
    "account_manager": "account_manager_employee_no",
    "parent": "parent_number",
}
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]


@dataclass
class RowError:
    line: int
    field: str  # a column key, or "" for the row as a whole
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    """What an import did: the report shown on the page and returned by the API."""

    mode: str
    rows: int = 0
    created: int = 0
    created_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})

    @property
    def written(self) -> bool:
        return self.created > 0

    def as_dict(self) -> dict:
        return {
            "mode": self.mode,
            "rows": self.rows,
            "created": self.created,
            "bad_rows": len(self.bad_lines),
            "errors": [error.as_dict() for error in self.errors],
            "ignored_columns": self.ignored_columns,
        }


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


# --- reading the file --------------------------------------------------------------------


def _decode_csv(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The CSV file is neither UTF-8 nor GBK text. Save it as CSV (UTF-8)."))


def _csv_rows(content: bytes) -> Iterator[list]:
    text = _decode_csv(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as exc:
        raise _file_error(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(content: bytes) -> Iterator[list]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(_("The file is not a valid Excel (.xlsx) workbook.")) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def read_rows(content: bytes, filename: str = "") -> Iterator[list]:
    """The rows of the first sheet (Excel) or of the CSV text, header first."""
    name = filename.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(content)
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise _file_error(_("Old Excel (.xls) files are not supported; save as .xlsx or CSV."))
    return _csv_rows(content)


def _header_lookup() -> dict[str, str]:
    lookup = {}
    for column in COLUMNS:
        lookup[column.key.lower()] = column.key
        lookup[column.header_zh] = column.key
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[str(column.label).strip().lower()] = column.key
    return lookup


def _map_header(header: list) -> tuple[dict[int, str], list[str]]:
    lookup = _header_lookup()
    positions: dict[int, str] = {}
    ignored = []
    for index, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        key = lookup.get(text.lower()) or lookup.get(text)
        if key is None:
            ignored.append(text)
        elif key in positions.values():
            raise _file_error(_("The column %(column)s appears twice.") % {"column": text})
        else:
            positions[index] = key
    missing = [key for key in REQUIRED_COLUMNS if key not in positions.values()]
    if missing:
        names = ", ".join(f"{COLUMNS_BY_KEY[k].header_zh}/{k}" for k in missing)
        raise _file_error(
            _("The file lacks the required columns: %(columns)s.") % {"columns": names}
        )
    return positions, ignored


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores digit strings typed without a leading quote as numbers.
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


# --- turning a row into the service's fields ----------------------------------------------


def _choice_lookup(key: str) -> dict[str, str]:
    choices = CHOICES[key]
    lookup = {value.lower(): value for value in choices.values}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            lookup.update({str(label).strip().lower(): value for value, label in choices.choices})
    lookup.update(CHOICE_SYNONYMS_ZH.get(key, {}))
    return lookup


class _RowParser:
    """Parses one row's cells into keyword arguments of ``create_customer``.

    Staff and group customers are looked up once per file, not once per row.
    """

    def __init__(self, actor):
        self.actor = actor
        self.choices = {key: _choice_lookup(key) for key in CHOICES}
        self.staff: dict[str, Staff | None] = {}
        self.parents: dict[str, Customer | None] = {}
        self.date_field = forms.DateField(input_formats=DATE_FORMATS)

    def parse(self, values: dict) -> tuple[dict, dict[str, str]]:
        fields: dict = {}
        errors: dict[str, str] = {}
        for key in ("name", "city", "district", "address", "phone", "certificate_no"):
            if values.get(key):
                fields[key] = values[key]
        for key in CHOICES:
            raw = values.get(key, "")
            if not raw:
                continue
            code = self.choices[key].get(raw.lower()) or self.choices[key].get(raw)
            if code is None:
                errors[key] = _("%(value)s is not one of the accepted values.") % {"value": raw}
            else:
                fields[key] = code
        if "type" not in fields and "type" not in errors:
            errors["type"] = str(forms.Field.default_error_messages["required"])
        employee_no = values.get("account_manager_employee_no", "")
        if employee_no:
            manager = self._manager(employee_no)
            if manager is None:
                errors["account_manager_employee_no"] = _(
                    "No staff member has the employee number %(number)s."
                ) % {"number": employee_no}
            else:
                fields["account_manager"] = manager
        parent_number = values.get("parent_number", "")
        if parent_number:
            parent = self._parent(parent_number)
            if parent is None:
                errors["parent_number"] = _(
                    "No customer you can see has the number %(number)s."
                ) % {"number": parent_number}
            else:
                fields["parent"] = parent
        joined_on = values.get("joined_on", "")
        if joined_on:
            try:
                fields["joined_on"] = self.date_field.clean(joined_on)
            except ValidationError as exc:
                errors["joined_on"] = " ".join(exc.messages)
        return fields, errors

    def _manager(self, employee_no: str) -> Staff | None:
        if employee_no not in self.staff:
            self.staff[employee_no] = (
                Staff.objects.select_related("org_unit").filter(employee_no=employee_no).first()
            )
        return self.staff[employee_no]

    def _parent(self, number: str) -> Customer | None:
        if number not in self.parents:
            self.parents[number] = (
                Customer.objects.visible_to(self.actor)
                .filter(number=number, merged_into__isnull=True)
                .first()
            )
        return self.parents[number]


def _certificate_key(values: dict) -> str:
    # Both certificate kinds normalise the same way (full-width folded, spaces dropped,
    # upper-cased), and a credit code can never equal an ID number's digits-and-X form
    # with a different meaning, so the normalised number alone identifies the certificate.
    return normalize_resident_id(values.get("certificate_no", ""))


def _errors_of(exc: Exception) -> list[tuple[str, str]]:
    """A service's complaint as ``(column, message)`` pairs in the active language."""
    if isinstance(exc, Conflict):
        # The conflict's message names the existing customer (its name and number).
        column = next(iter(exc.fields), "")
        return [(SERVICE_FIELD_TO_COLUMN.get(column, column), str(exc.message))]
    if hasattr(exc, "error_dict"):
        return [
            ("" if name == "__all__" else SERVICE_FIELD_TO_COLUMN.get(name, name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in exc.messages]


# --- the import ----------------------------------------------------------------------------


def import_customers(
    content: bytes, *, actor, mode: str = ImportMode.ALL_OR_NOTHING, filename: str = ""
) -> ImportResult:
    """Create the customers of a CSV/Excel file (R2.1.2); see the module docstring.

    File-level problems (encoding, missing columns, too many rows) raise ``ValidationError``
    on ``file``; row problems are collected in the result. Messages are in the active
    language.
    """
    if not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    if mode not in ImportMode.values:
        raise ValidationError({"mode": [_("Choose how bad rows are handled.")]})
    rows = read_rows(content, filename)
    header = next(rows, None)
    if header is None:
        raise _file_error(_("The file is empty."))
    positions, ignored = _map_header(header)
    records = []
    for line, cells in enumerate(rows, start=2):
        values = {key: _cell_text(cells[i]) for i, key in positions.items() if i < len(cells)}
        if not any(values.values()):
            continue
        if len(records) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(limit)d rows; split it into smaller files.")
                % {"limit": MAX_ROWS}
            )
        records.append((line, values))
    result = ImportResult(mode=mode, rows=len(records), ignored_columns=ignored)
    if not records:
        raise _file_error(_("The file has no customer rows."))
    with transaction.atomic():
        _import_records(records, actor=actor, result=result)
        if result.errors and mode == ImportMode.ALL_OR_NOTHING:
            transaction.set_rollback(True)
            result.created, result.created_ids = 0, []
    return result


def _import_records(records: list, *, actor, result: ImportResult) -> None:
    parser = _RowParser(actor)
    first_line_of: dict[str, int] = {}
    for line, values in records:
        row_errors = []
        certificate = _certificate_key(values)
        if certificate:
            if certificate in first_line_of:
                row_errors.append(
                    (
                        "certificate_no",
                        _("The same certificate is already on line %(line)d of this file.")
                        % {"line": first_line_of[certificate]},
                    )
                )
            else:
                first_line_of[certificate] = line
        fields, problems = parser.parse(values)
        row_errors += list(problems.items())
        if not row_errors:
            try:
                # A savepoint per row: a row that fails half-way leaves nothing behind.
                with transaction.atomic():
                    customer = services.create_customer(actor=actor, **fields)
            except (ValidationError, Conflict) as exc:
                row_errors += _errors_of(exc)
            except DatabaseError:
                row_errors.append(("", _("The row conflicts with existing data.")))
            else:
                result.created += 1
                result.created_ids.append(customer.pk)
        result.errors += [RowError(line, name, str(message)) for name, message in row_errors]


# --- the template to fill in ---------------------------------------------------------------


def template_headers() -> list[str]:
    """Chinese column names for Chinese users, English labels otherwise (both import)."""
    if (translation.get_language() or "").startswith("zh"):
        return [column.header_zh for column in COLUMNS]
    return [str(column.label) for column in COLUMNS]


def import_template(kind: str) -> tuple[bytes, str, str]:
    """The empty file to fill in: ``(content, content type, file name)``; kind csv|xlsx."""
    headers = template_headers()
    if kind == "csv":
        # With a BOM, so that Excel on Chinese Windows opens it as UTF-8.
        buffer = io.StringIO()
        csv.writer(buffer).writerow(headers)
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "customers.csv"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "customers"
    sheet.append(headers)
    text_columns = ("certificate_no", "phone", "account_manager_employee_no", "parent_number")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 20
        if column.key in text_columns:
            # Text cells, so that Excel keeps every digit of certificates and phones.
            for row in range(2, 1002):
                sheet[f"{letter}{row}"].number_format = "@"
    values = workbook.create_sheet("values")
    values.append([_("Column"), _("Accepted values")])
    for key, choices in CHOICES.items():
        accepted = ", ".join(f"{value} ({label})" for value, label in choices.choices)
        values.append([str(COLUMNS_BY_KEY[key].label), accepted])
    values.append([str(COLUMNS_BY_KEY["joined_on"].label), "YYYY-MM-DD"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), XLSX_CONTENT_TYPE, "customers.xlsx"


__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "ImportMode",
    "ImportResult",
    "RowError",
    "import_customers",
    "import_template",
]
