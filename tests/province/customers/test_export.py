"""Excel export of the visible, filtered customers with masking and audit (R2.1.2, R9.2)."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from province.customers.exporting import EXPORT_COLUMNS, export_customers
from shared.accounts.models import PersonalDataAccess
from tests.conftest import in_tenant
from tests.factories import VALID_RESIDENT_IDS, VALID_USCCS, make_customer, make_org

pytestmark = pytest.mark.django_db
KEYS = [column.key for column in EXPORT_COLUMNS]


def scenario():
    org = make_org()
    mine = make_customer(
        org.manager_a, name="甲公司", certificate_no=VALID_USCCS[0], phone="13812345678"
    )
    person = make_customer(
        org.manager_a,
        type="individual",
        name="张三",
        certificate_no=VALID_RESIDENT_IDS[1],
        phone="13912345678",
        status="suspended",
    )
    theirs = make_customer(org.manager_b, name="乙公司", phone="13700001111")
    tricky = make_customer(org.manager_b, name='=HYPERLINK("http://x")')
    return org, mine, person, theirs, tricky


@pytest.fixture
def data(bj):
    return scenario()


def read(export):
    sheet = load_workbook(io.BytesIO(export.file.read())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    return (
        header,
        {row[KEYS.index("number")]: dict(zip(KEYS, row, strict=True)) for row in body},
        sheet,
    )


def test_r2_1_2_export_masks_for_a_manager_and_shows_only_their_customers(data):
    org, mine, person, theirs, _tricky = data
    export = export_customers({}, actor=org.manager_a.user, path="/customers/io/export/")
    _header, rows, _sheet = read(export)
    assert set(rows) == {mine.number, person.number}
    assert rows[mine.number]["phone"] == "138****5678"
    assert rows[mine.number]["certificate_no"] != VALID_USCCS[0]
    assert rows[person.number]["certificate_no"] == "110101********4477"
    assert rows[mine.number]["account_manager_employee_no"] == org.manager_a.employee_no
    assert not PersonalDataAccess.objects.filter(user=org.manager_a.user).exists()


def test_r2_1_2_export_unmasked_for_an_admin_is_audited(data):
    org, mine, person, theirs, _tricky = data
    export = export_customers({}, actor=org.admin.user, path="/customers/io/export/")
    _header, rows, _sheet = read(export)
    assert {mine.number, person.number, theirs.number} <= set(rows)
    assert rows[mine.number]["phone"] == "13812345678"
    assert rows[person.number]["certificate_no"] == VALID_RESIDENT_IDS[1]
    audit = PersonalDataAccess.objects.get(user=org.admin.user)
    assert audit.object_type == "customers.Customer" and audit.path == "/customers/io/export/"
    assert {mine.pk, person.pk, theirs.pk} <= set(audit.object_ids)
    assert set(audit.fields) == {"phone", "certificate_no"}


def test_r2_1_2_export_honours_the_filters(data):
    org, mine, person, theirs, _tricky = data
    _h, rows, _s = read(export_customers({"status": "suspended"}, actor=org.admin.user, path="/"))
    assert set(rows) == {person.number}
    _h, rows, _s = read(export_customers({"q": "乙公司"}, actor=org.admin.user, path="/"))
    assert set(rows) == {theirs.number}
    _h, rows, _s = read(export_customers({"under": org.city_a.pk}, actor=org.admin.user, path="/"))
    assert set(rows) == {mine.number, person.number}
    with pytest.raises(ValidationError) as exc:
        export_customers({"status": "nonsense"}, actor=org.admin.user, path="/")
    assert "status" in exc.value.message_dict


def test_r2_1_2_export_headers_in_the_users_language(data):
    org = data[0]
    header, _rows, _sheet = read(export_customers({}, actor=org.admin.user, path="/"))
    assert header[:3] == ("客户编号", "客户名称", "客户类型")
    with translation.override("en"):
        header, rows, _sheet = read(export_customers({}, actor=org.admin.user, path="/"))
    assert header[:3] == ("Customer number", "Name", "Customer type")
    assert rows[data[1].number]["type"] == "Enterprise"


def test_r2_1_2_export_never_writes_formulas(data):
    org, *_rest, tricky = data
    _header, rows, sheet = read(export_customers({}, actor=org.admin.user, path="/"))
    assert rows[tricky.number]["name"] == tricky.name
    cells = [row[KEYS.index("name")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for cell in cells)


def test_r2_1_2_export_needs_permission(data):
    org = data[0]
    with pytest.raises(PermissionDenied):
        export_customers({}, actor=org.agent_a.user, path="/")


def test_r2_1_2_export_page_and_api(db, tenant_client, api_client):
    with in_tenant("bj"):
        org, mine, person, theirs, _tricky = scenario()
    response = tenant_client("bj", org.manager_a.user).get(
        "/customers/io/export/", {"status": "suspended"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [person.number]
    response = api_client("bj", org.admin.user).get("/api/customers/export/", {"q": "乙公司"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [theirs.number]
    assert api_client("bj", org.agent_a.user).get("/api/customers/export/").status_code == 403
    bad = api_client("bj", org.admin.user).get("/api/customers/export/", {"status": "nonsense"})
    assert bad.status_code == 400
