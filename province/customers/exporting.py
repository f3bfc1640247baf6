"""Excel export of the customers a user can see, with the list's filters (R2.1.2, R9.2).

Phones and certificate numbers are masked for users without the unmask permission; when
they are exported unmasked, one personal-data access row records who exported which
customers. The workbook is written row by row (openpyxl write-only mode) into a temporary
file, so memory stays flat however many customers are exported; the view streams the file.
The importable columns come first, with the importer's headers, so an export can be edited
and imported again.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from province.customers.choices import CertificateType
from province.customers.filters import CustomerFilterSet
from province.customers.importing import COLUMNS, XLSX_CONTENT_TYPE
from province.customers.models import Customer
from province.customers.selectors import customer_list
from shared.accounts.services import record_personal_data_access
from shared.api.fields import UNMASK_PERMISSION
from shared.masking import mask_mobile, mask_resident_id, mask_uscc

EXPORT_PERMISSION = "customers.export_customer"
# Excel's own limit is 1,048,576 rows per sheet; beyond this people should narrow the filter.
MAX_EXPORT_ROWS = 500_000
PERSONAL_FIELDS = {"phone", "certificate_no"}


@dataclass(frozen=True)
class ExportColumn:
    key: str
    header_zh: str  # fixed column name of the Chinese file format (see importing.COLUMNS)
    label: object
    value: Callable[[Customer], object]


def _label(customer: Customer, name: str) -> str:
    return str(getattr(customer, f"get_{name}_display")()) if getattr(customer, name) else ""


def _importable(key: str) -> Callable[[Customer], object]:
    if key in {"type", "certificate_type", "status", "industry"}:
        return lambda c: _label(c, key)
    if key == "account_manager_employee_no":
        return lambda c: c.account_manager.employee_no if c.account_manager else ""
    if key == "parent_number":
        return lambda c: c.parent.number if c.parent else ""
    return lambda c: getattr(c, key)


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("number", "客户编号", gettext_lazy("Customer number"), lambda c: c.number),
    *(ExportColumn(c.key, c.header_zh, c.label, _importable(c.key)) for c in COLUMNS),
    ExportColumn("level", "客户级别", gettext_lazy("Level"), lambda c: _label(c, "level")),
    ExportColumn(
        "is_strategic",
        "战略客户",
        gettext_lazy("Strategic customer"),
        lambda c: _("Yes") if c.is_strategic else _("No"),
    ),
    ExportColumn(
        "account_manager_name",
        "客户经理",
        gettext_lazy("Account manager"),
        lambda c: c.account_manager.name if c.account_manager else "",
    ),
    ExportColumn("org_unit", "所属单元", gettext_lazy("Org unit"), lambda c: c.org_unit.name),
)


@dataclass
class ExportFile:
    file: IO[bytes]  # positioned at the start; the caller closes it (FileResponse does)
    filename: str
    content_type: str
    rows: int


def export_headers() -> list[str]:
    if (translation.get_language() or "").startswith("zh"):
        return [column.header_zh for column in EXPORT_COLUMNS]
    return [str(column.label) for column in EXPORT_COLUMNS]


def customers_to_export(actor, params) -> QuerySet:
    """The customers ``actor`` sees, narrowed by the list's filters (``CustomerFilterSet``)."""
    filterset = CustomerFilterSet(params or {}, queryset=customer_list(actor))
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs.select_related("parent").order_by("pk")


def _mask_certificate(customer: Customer) -> str:
    if customer.certificate_type == CertificateType.USCC:
        return mask_uscc(customer.certificate_no)
    return mask_resident_id(customer.certificate_no)


def _cell(sheet, value):
    # openpyxl writes any text starting with "=" as a formula; customer data must never run
    # as one in the reader's Excel (CSV/formula injection).
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def export_customers(params, *, actor, path: str) -> ExportFile:
    """Write the filtered, visible customers to an .xlsx file (R2.1.2).

    ``params``: the list page's query parameters; ``path``: the request path, for the audit
    row written when personal data leaves unmasked.
    """
    if not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    queryset = customers_to_export(actor, params)
    total = queryset.count()
    if total > MAX_EXPORT_ROWS:
        raise ValidationError(
            {
                "__all__": [
                    _("%(count)d customers match; narrow the filter to at most %(limit)d.")
                    % {"count": total, "limit": MAX_EXPORT_ROWS}
                ]
            }
        )
    unmask = actor.has_perm(UNMASK_PERMISSION)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    sheet.append(export_headers())
    unmasked_ids = set()
    rows = 0
    for customer in queryset.iterator(chunk_size=2000):
        values = [column.value(customer) for column in EXPORT_COLUMNS]
        if unmask:
            if customer.phone or customer.certificate_no:
                unmasked_ids.add(customer.pk)
        else:
            values[_PHONE] = mask_mobile(customer.phone)
            values[_CERTIFICATE] = _mask_certificate(customer)
        sheet.append([_cell(sheet, value) for value in values])
        rows += 1
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(output)
    output.seek(0)
    if unmasked_ids:
        record_personal_data_access(
            actor,
            path,
            {"customers.Customer": {"ids": unmasked_ids, "fields": set(PERSONAL_FIELDS)}},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(output, f"customers-{stamp}.xlsx", XLSX_CONTENT_TYPE, rows)


_KEYS = [column.key for column in EXPORT_COLUMNS]
_PHONE = _KEYS.index("phone")
_CERTIFICATE = _KEYS.index("certificate_no")
