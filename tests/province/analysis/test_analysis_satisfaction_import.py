"""Importing satisfaction survey results from CSV (R2.5.3): UTF-8 and GBK, normalisation to
0–100, every bad row reported by line, and nothing written unless every row is good."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from province.analysis.models import SatisfactionScore, normalise_score
from province.analysis.services import ImportRejected, import_satisfaction_scores
from tests.conftest import in_tenant

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


def test_r2_5_3_scores_are_normalised_to_0_100():
    assert normalise_score(Decimal("7"), "0-10") == Decimal("70.00")
    assert normalise_score(Decimal("4"), "1-5") == Decimal("75.00")
    assert normalise_score(Decimal("1"), "1-5") == Decimal("0.00")
    assert normalise_score(Decimal("3.5"), "1-5") == Decimal("62.50")


def test_r2_5_3_import_utf8_with_header_and_bom(world):
    text = _csv(
        "客户编号,调查名称,日期,得分,备注",
        f"{world.c1.number},2025年度满意度调查,2025-01-15,8,服务很好",
        f"{world.c2.number},2025年度满意度调查,2025/03/01,9.5,",
    )
    with in_tenant("bj"):
        created = import_satisfaction_scores(
            ("\ufeff" + text).encode("utf-8"), scale="0-10", actor=world.org.admin.user
        )
        assert created == 2
        first = SatisfactionScore.objects.get(customer=world.c1)
        assert first.survey_name == "2025年度满意度调查" and first.comment == "服务很好"
        assert first.score == Decimal("80.00") and first.raw_score == Decimal("8.0")
        assert SatisfactionScore.objects.get(customer=world.c2).surveyed_on == date(2025, 3, 1)


def test_r2_5_3_import_gbk_on_a_1_to_5_scale(world):
    text = _csv(f"{world.c3.number},客户回访,2025-02-01,4,响应及时")
    with in_tenant("bj"):
        import_satisfaction_scores(text.encode("gbk"), scale="1-5", actor=world.org.admin.user)
        score = SatisfactionScore.objects.get(customer=world.c3)
    assert score.comment == "响应及时" and score.survey_name == "客户回访"
    assert score.score == Decimal("75.00") and score.scale == "1-5"


@pytest.mark.usefixtures("english")
def test_r2_5_3_bad_rows_are_reported_by_line_and_nothing_is_written(world):
    text = _csv(
        "customer number,survey,date,score,comment",
        f"{world.c1.number},Annual,2025-01-15,8,ok",
        f"{world.c2.number},Annual,2025-02-30,8,",  # no such day
        "999999999999,Annual,2025-01-15,7,",  # unknown customer
        f"{world.c3.number},Annual,2025-01-15,11,",  # beyond the 0-10 scale
        f"{world.c1.number},Annual,2025-01-15,9,",  # same as line 2
        "just,three,columns",
    )
    with in_tenant("bj"):
        with pytest.raises(ImportRejected) as rejected:
            import_satisfaction_scores(text.encode(), scale="0-10", actor=world.org.admin.user)
        assert SatisfactionScore.objects.count() == 0
    lines = [error.line for error in rejected.value.errors]
    assert lines == [3, 4, 5, 6, 7]
    messages = {error.line: error.message for error in rejected.value.errors}
    assert "2025-02-30" in messages[3]
    assert "999999999999" in messages[4]
    assert "outside the scale" in messages[5]
    assert "line 2" in messages[6]


def test_r2_5_3_import_only_for_customers_the_importer_may_see(world):
    text = _csv(f"{world.c3.number},Annual,2025-01-15,8,")  # c3 is manager_b's
    with in_tenant("bj"), pytest.raises(ImportRejected) as rejected:
        import_satisfaction_scores(text.encode(), scale="0-10", actor=world.org.manager_a.user)
    assert rejected.value.errors[0].line == 1


def test_r2_5_3_a_second_import_of_the_same_scores_is_rejected(world):
    text = _csv(f"{world.c1.number},Annual,2025-01-15,8,").encode()
    with in_tenant("bj"):
        import_satisfaction_scores(text, scale="0-10", actor=world.org.admin.user)
        with pytest.raises(ImportRejected):
            import_satisfaction_scores(text, scale="0-10", actor=world.org.admin.user)
        assert SatisfactionScore.objects.count() == 1


def test_r2_5_3_import_page_reports_errors_and_imports(world, tenant_client):
    manager = world.org.manager_a.user  # account managers do not import survey results
    assert tenant_client("bj", manager).get("/analysis/satisfaction/import/").status_code == 403
    client = tenant_client("bj", world.org.admin.user)
    bad = SimpleUploadedFile(
        "scores.csv", _csv(f"{world.c1.number},Annual,2025-01-15,abc,").encode("gbk")
    )
    response = client.post("/analysis/satisfaction/import/", {"file": bad, "scale": "0-10"})
    assert response.status_code == 400
    assert [error.line for error in response.context["errors"]] == [1]
    assert b'id="import-errors"' in response.content

    good = SimpleUploadedFile(
        "scores.csv", _csv(f"{world.c1.number},年度调查,2025-01-15,9,好").encode("gbk")
    )
    response = client.post("/analysis/satisfaction/import/", {"file": good, "scale": "0-10"})
    assert response.status_code == 302 and response["Location"] == "/analysis/satisfaction/"
    figures = client.get(
        "/analysis/satisfaction/", {"period_from": "2025-01", "period_to": "2025-03"}
    )
    assert figures.context["figures"]["average"] == Decimal("90.0")


def test_r2_5_3_unreadable_rows_are_reported_not_a_500(world):
    text = f"{world.c1.number},Annual,2025-01-15,8,bad\x00comment\r\n".encode()
    with in_tenant("bj"), pytest.raises(ImportRejected) as rejected:
        import_satisfaction_scores(text, scale="0-10", actor=world.org.admin.user)
    assert rejected.value.errors[0].line == 1
