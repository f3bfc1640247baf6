"""Bulk import of customers from CSV and Excel with a per-row report (R2.1.2)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from province.customers import importing
from province.customers.importing import ImportMode, import_customers, import_template
from province.customers.models import Customer
from tests.conftest import in_tenant
from tests.factories import VALID_RESIDENT_IDS, VALID_USCCS, make_customer, make_org

pytestmark = pytest.mark.django_db

HEADER_ZH = ["客户名称", "客户类型", "证件号码", "行业", "电话", "客户经理工号", "入网日期"]
BAD_USCC = VALID_USCCS[0][:-1] + ("0" if VALID_USCCS[0][-1] != "0" else "1")


@pytest.fixture
def org(bj):
    return make_org()


def csv_bytes(rows, header=HEADER_ZH, encoding="utf-8", bom=False) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows, header=HEADER_ZH) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(org):
    manager = org.manager_a.employee_no
    return [
        ["北京甲科技有限公司", "企业", VALID_USCCS[0], "I", "13812345678", manager, "2020-01-15"],
        ["张三", "个人", VALID_RESIDENT_IDS[1], "", "139 1234 5678", manager, "2021/03/01"],
    ]


def _assert_created(org, result):
    assert result.errors == []
    assert result.created == 2 and result.rows == 2
    company = Customer.objects.get(certificate_no=VALID_USCCS[0])
    assert company.name == "北京甲科技有限公司"
    assert company.type == "enterprise" and company.industry == "I"
    assert company.account_manager == org.manager_a and company.org_unit == org.team_a
    assert str(company.joined_on) == "2020-01-15"
    person = Customer.objects.get(certificate_no=VALID_RESIDENT_IDS[1])
    assert person.type == "individual" and person.certificate_type == "resident_id"
    assert person.phone == "13912345678"


def test_r2_1_2_utf8_csv_import(org):
    content = csv_bytes(good_rows(org))
    _assert_created(org, import_customers(content, actor=org.admin.user, filename="a.csv"))


def test_r2_1_2_utf8_bom_csv_import(org):
    content = csv_bytes(good_rows(org), bom=True)
    _assert_created(org, import_customers(content, actor=org.admin.user, filename="a.csv"))


def test_r2_1_2_gbk_csv_import(org):
    content = csv_bytes(good_rows(org), encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    _assert_created(org, import_customers(content, actor=org.admin.user, filename="a.csv"))


def test_r2_1_2_xlsx_import(org):
    rows = good_rows(org)
    rows[0][-1] = __import__("datetime").date(2020, 1, 15)  # a real Excel date cell
    _assert_created(org, import_customers(xlsx_bytes(rows), actor=org.admin.user))


def test_r2_1_2_english_headers_and_values(org):
    header = ["name", "type", "certificate_no", "industry", "status", "account_manager_employee_no"]
    rows = [
        [
            "Acme Ltd",
            "Enterprise",
            VALID_USCCS[0],
            "Manufacturing",
            "active",
            org.manager_a.employee_no,
        ]
    ]
    result = import_customers(csv_bytes(rows, header=header), actor=org.admin.user)
    assert result.errors == [] and result.created == 1
    assert Customer.objects.get(name="Acme Ltd").industry == "C"


def test_r2_1_2_undecodable_csv_is_a_file_error(org):
    with pytest.raises(ValidationError) as exc:
        import_customers(b"\xff\xfe\xff\xff,\xff\n", actor=org.admin.user, filename="x.csv")
    assert "file" in exc.value.message_dict


def test_r2_1_2_missing_required_column(org):
    with pytest.raises(ValidationError) as exc:
        import_customers(csv_bytes([["x"]], header=["电话"]), actor=org.admin.user)
    assert "客户名称" in exc.value.message_dict["file"][0]


def test_r2_1_2_row_limit(org, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    rows = [[f"公司{i}", "企业", "", "", "", org.manager_a.employee_no, ""] for i in range(3)]
    with pytest.raises(ValidationError) as exc:
        import_customers(csv_bytes(rows), actor=org.admin.user)
    assert "2" in exc.value.message_dict["file"][0]
    assert not Customer.objects.filter(name__startswith="公司").exists()


def test_r2_1_2_import_needs_permission(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_customers(csv_bytes(good_rows(org)), actor=org.manager_a.user)


def bad_file(org):
    """Line 2 and 8 are good; lines 3-7 each have one problem."""
    existing = make_customer(org.manager_b, name="已有客户", certificate_no=VALID_USCCS[1])
    manager = org.manager_a.employee_no
    rows = [
        ["好客户一", "企业", VALID_USCCS[0], "", "", manager, ""],
        ["校验码错", "企业", BAD_USCC, "", "", manager, ""],
        ["无此经理", "企业", "", "", "", "NO-SUCH", ""],
        ["库中重复", "企业", VALID_USCCS[1], "", "", manager, ""],
        ["文件内重复", "企业", VALID_USCCS[0], "", "", manager, ""],
        ["日期错", "企业", "", "", "", manager, "2024-13-45"],
        ["好客户二", "个人", VALID_RESIDENT_IDS[0], "", "", manager, ""],
    ]
    return csv_bytes(rows), existing


def _errors_by_line(result):
    found = {}
    for error in result.errors:
        found.setdefault(error.line, []).append(error)
    return found


def test_r2_1_2_all_or_nothing_writes_nothing_and_reports_every_bad_row(org):
    content, existing = bad_file(org)
    before = Customer.objects.count()
    result = import_customers(content, actor=org.admin.user, mode=ImportMode.ALL_OR_NOTHING)
    assert Customer.objects.count() == before
    assert result.created == 0 and result.rows == 7
    errors = _errors_by_line(result)
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert errors[3][0].field == "certificate_no"
    assert errors[4][0].field == "account_manager_employee_no"
    assert errors[5][0].field == "certificate_no" and existing.number in errors[5][0].message
    assert errors[6][0].field == "certificate_no" and "2" in errors[6][0].message
    assert errors[7][0].field == "joined_on"
    assert result.as_dict()["bad_rows"] == 5


def test_r2_1_2_skip_mode_writes_the_good_rows(org):
    content, _existing = bad_file(org)
    result = import_customers(content, actor=org.admin.user, mode=ImportMode.SKIP_BAD_ROWS)
    assert result.created == 2
    assert set(
        Customer.objects.filter(pk__in=result.created_ids).values_list("name", flat=True)
    ) == {
        "好客户一",
        "好客户二",
    }
    assert sorted(_errors_by_line(result)) == [3, 4, 5, 6, 7]
    assert not Customer.objects.filter(name__in=["校验码错", "无此经理", "日期错"]).exists()


def test_r2_1_2_messages_follow_the_language(org):
    """Validators' and Django's messages are in the catalogues already: Chinese by default."""
    content, _existing = bad_file(org)
    result = import_customers(content, actor=org.admin.user)
    errors = _errors_by_line(result)
    assert errors[3][0].message == "统一社会信用代码的校验码不正确。"
    assert errors[7][0].message == "输入一个有效的日期。"
    with translation.override("en"):
        result = import_customers(content, actor=org.admin.user)
    errors = _errors_by_line(result)
    assert errors[3][0].message == (
        "The check character of the unified social credit code does not match."
    )
    assert errors[7][0].message == "Enter a valid date."


def test_r2_1_2_importer_may_only_assign_managers_it_may_see(org):
    from django.contrib.auth.models import Permission

    user = org.supervisor_a.user
    user.user_permissions.add(Permission.objects.get(codename="import_customer"))
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    rows = [["乙城客户", "企业", "", "", "", org.manager_b.employee_no, ""]]
    result = import_customers(csv_bytes(rows), actor=user)
    assert result.created == 0
    assert [(e.line, e.field) for e in result.errors] == [(2, "account_manager_employee_no")]


def test_r2_1_2_templates_have_the_header_row(org):
    content, content_type, filename = import_template("csv")
    assert content.startswith(b"\xef\xbb\xbf") and filename.endswith(".csv")
    assert content.decode("utf-8-sig").splitlines()[0].split(",")[0] == "客户名称"
    content, content_type, filename = import_template("xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header_zh for c in importing.COLUMNS]
    with translation.override("en"):
        content, _type, _name = import_template("xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["A1"].value == "Name"
    # The English template imports too.
    sheet.append(["Acme Ltd", "enterprise"] + [""] * 8 + [org.manager_a.employee_no])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    result = import_customers(buffer.getvalue(), actor=org.admin.user)
    assert result.errors == [] and result.created == 1


def test_r2_1_2_import_page_and_api(db, tenant_client, api_client):
    with in_tenant("bj"):
        org = make_org()
        content = csv_bytes(good_rows(org))
    client = tenant_client("bj", org.admin.user)
    page = client.get("/customers/io/import/")
    assert page.status_code == 200
    upload = io.BytesIO(content)
    upload.name = "customers.csv"
    response = client.post("/customers/io/import/", {"file": upload, "mode": "skip_bad_rows"})
    assert response.status_code == 200
    assert response.context["result"].created == 2
    template = client.get("/customers/io/import/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd")
    assert tenant_client("bj", org.manager_a.user).get("/customers/io/import/").status_code == 403

    bad = io.BytesIO(csv_bytes([["坏行", "企业", BAD_USCC, "", "", org.manager_a.employee_no, ""]]))
    bad.name = "bad.csv"
    api = api_client("bj", org.admin.user)
    response = api.post("/api/customers/import/", {"file": bad}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 0 and body["errors"][0]["line"] == 2
    assert body["errors"][0]["field"] == "certificate_no"
    garbage = io.BytesIO(b"\xff\xfe\xff")
    garbage.name = "x.csv"
    response = api.post("/api/customers/import/", {"file": garbage}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]
    denied = api_client("bj", org.manager_a.user).post(
        "/api/customers/import/", {"file": io.BytesIO(content)}, format="multipart"
    )
    assert denied.status_code == 403
