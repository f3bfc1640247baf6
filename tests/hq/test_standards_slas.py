"""Service SLAs as a national standard (R11.2): HQ drafts and publishes time limits per
customer level and request kind; provinces apply them to their own table, may set stricter
(never looser) values of their own, keep them through the next release while they are
still stricter, and report how many they keep; HQ's matrix shows the SLA column."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hq.standards import selectors as hq_selectors
from hq.standards import services as hq_services
from hq.standards.models import StandardDraft, StandardRelease
from province.standards import services
from province.standards.models import ReceivedRelease, ServiceTimeLimit
from sync.relay import relay_all
from tests.conftest import in_tenant
from tests.factories import make_org, make_user
from tests.hq.standards_scenario import SLA_HOURS, SLAS, sla_content

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PROVINCES = ("bj", "sh")


def relay_down_and_up() -> None:
    with in_tenant("hq"):
        relay_all()
    for schema in PROVINCES:
        with in_tenant(schema):
            relay_all()


def publish_slas(content=SLAS) -> StandardRelease:
    with in_tenant("hq"):
        hq_services.save_draft("slas", content)
        release = hq_services.publish_release("slas")
    relay_down_and_up()
    return release


def limit(level="gold", kind="complaint") -> ServiceTimeLimit:
    return ServiceTimeLimit.objects.get(level=level, request_kind=kind)


def set_local(level="gold", kind="complaint", response=None, resolution=None, target=None):
    return services.set_local_time_limit(
        limit(level, kind),
        response_hours=None if response is None else Decimal(response),
        resolution_hours=None if resolution is None else Decimal(resolution),
        compliance_target=None if target is None else Decimal(target),
    )


def matrix_cell(schema="bj"):
    with in_tenant("hq"):
        return {row.schema_name: row.cells for row in hq_selectors.matrix()}[schema]["slas"]


def test_hq_refuses_bad_slas_with_field_errors_and_writes_nothing_r11_2():
    """R11.2: positive hours, first response no later than resolution, target 0–100 and
    every level × request kind: each error names the value that is wrong."""
    bad = sla_content(
        gold_complaint=(-1, 24, 95),  # negative hours
        silver_fault=(30, 24, 92),  # response after resolution
        diamond_consultation=(2, 8, 101),  # target above 100
    )
    with in_tenant("hq"):
        with pytest.raises(ValidationError) as error:
            hq_services.save_draft("slas", bad)
        fields = error.value.message_dict
        assert set(fields) == {
            "gold_complaint_response_hours",
            "silver_fault_response_hours",
            "diamond_consultation_compliance_target",
        }
        assert "later than the resolution" in fields["silver_fault_response_hours"][0]
        incomplete = {"slas": SLAS["slas"][:-1]}
        with pytest.raises(ValidationError) as error:
            hq_services.save_draft("slas", incomplete)
        assert "missing" in error.value.message_dict["slas"][0]
        twice = {"slas": [*SLAS["slas"], SLAS["slas"][0]]}
        with pytest.raises(ValidationError) as error:
            hq_services.save_draft("slas", twice)
        assert "set twice" in error.value.message_dict["slas"][0]
        with pytest.raises(ValidationError):  # a level the level standard does not know
            hq_services.save_draft(
                "slas", {"slas": [{**SLAS["slas"][0], "level": "platinum"}, *SLAS["slas"][1:]]}
            )
        assert not StandardDraft.objects.filter(kind="slas").exclude(content={}).exists()


def test_hq_sla_form_marks_the_wrong_value_r11_2(tenant_client):
    """The HQ page: one field per value, an error shown on the field typed wrong (400)."""
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
    client = tenant_client("hq", admin)
    client.cookies["django_language"] = "en"
    form = {"effective_from": "2027-01-01"}
    for level, kinds in SLA_HOURS.items():
        for kind, (response, resolution, target) in kinds.items():
            form[f"{level}_{kind}_response_hours"] = response
            form[f"{level}_{kind}_resolution_hours"] = resolution
            form[f"{level}_{kind}_compliance_target"] = target
    page = client.get("/standards/slas/")
    assert page.status_code == 200 and 'id="sla-grid"' in page.content.decode()
    bad = client.post("/standards/slas/", {**form, "gold_fault_resolution_hours": "1"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["gold_fault_response_hours"] == [
        "The first response cannot come later than the resolution (1 h)."
    ]
    assert 'data-error-for="gold_fault_response_hours"' in bad.content.decode()
    with in_tenant("hq"):
        assert not StandardDraft.objects.filter(kind="slas").exclude(content={}).exists()
    assert client.post("/standards/slas/", form).status_code == 302
    with in_tenant("hq"):
        draft = StandardDraft.objects.get(kind="slas")
        rows = {(r["level"], r["request_kind"]): r for r in draft.content["slas"]}
        assert rows["gold", "fault"] == {
            "level": "gold",
            "request_kind": "fault",
            "response_hours": "2",
            "resolution_hours": "12",
            "compliance_target": "95",
        }
    assert 'value="12' in client.get("/standards/slas/").content.decode()


def test_published_slas_are_applied_in_each_province_and_reported_r11_2():
    """R11.2: bj and sh hold the 12 time limits of v1 and report v1; HQ's matrix has the
    SLA column (behind nowhere, no local values)."""
    publish_slas()
    for schema in PROVINCES:
        with in_tenant(schema):
            assert ServiceTimeLimit.objects.count() == 12
            fault = limit("diamond", "fault")
            assert (fault.response_hours, fault.resolution_hours, fault.national_version) == (
                Decimal("1"),
                Decimal("8"),
                1,
            )
            assert services.in_force("slas").version == 1
    cell = matrix_cell()
    assert (cell.version, cell.behind, cell.local_extensions) == (1, False, 0)
    with in_tenant("hq"):
        assert ("slas", "Service SLAs") in [(c, str(label)) for c, label in hq_selectors.columns()]


def test_a_province_may_be_stricter_never_looser_r11_2():
    """R11.2 provincial extension: longer times or a lower target are refused per field and
    change nothing; shorter times and a higher target are kept and reported to HQ; sh is
    untouched by bj's choice."""
    publish_slas()
    with in_tenant("bj"):
        with pytest.raises(ValidationError) as error:
            set_local(response="5", resolution="30", target="90")
        assert set(error.value.message_dict) == {
            "response_hours",
            "resolution_hours",
            "compliance_target",
        }
        with pytest.raises(ValidationError) as error:
            set_local(response="0")
        assert "greater than zero" in error.value.message_dict["response_hours"][0]
        with pytest.raises(ValidationError) as error:  # response after the resolution
            set_local(response="4", resolution="3")
        assert "later than the resolution" in error.value.message_dict["response_hours"][0]
        current = limit()
        assert (current.local_response_hours, current.local_resolution_hours) == (None, None)
        stricter = set_local(response="2", resolution="12", target="97")
        assert (stricter.response_hours, stricter.resolution_hours) == (Decimal(2), Decimal(12))
        assert stricter.compliance_target == Decimal(97) and stricter.local_set_at is not None
        same = set_local("gold", "fault", response="2")  # equal to national: no extension
        assert same.local_response_hours is None
        relay_all()
    assert matrix_cell("bj").local_extensions == 3
    with in_tenant("sh"):
        assert limit().response_hours == Decimal(4) and limit().local_extensions == 0


def test_the_next_release_keeps_stricter_local_values_and_reports_them_r11_2():
    """R11.2: v2 tightens gold complaints to 3 h / 20 h and loosens gold faults to 6 h /
    30 h. bj's local 2 h response stays (still stricter), its local 22 h resolution lapses
    (no longer stricter than 20), its local 5 h fault resolution stays but now holds the
    first response too (national 6 h would come after it); the receipt says which."""
    publish_slas()
    with in_tenant("bj"):
        set_local("gold", "complaint", response="2", resolution="22")
        set_local("gold", "fault", resolution="5")
    publish_slas(sla_content(gold_complaint=(3, 20, 95), gold_fault=(6, 30, 95)))
    with in_tenant("bj"):
        complaint, fault = limit("gold", "complaint"), limit("gold", "fault")
        assert (complaint.local_response_hours, complaint.local_resolution_hours) == (
            Decimal(2),
            None,
        )
        assert (complaint.response_hours, complaint.resolution_hours) == (Decimal(2), Decimal(20))
        assert (fault.response_hours, fault.resolution_hours) == (Decimal(5), Decimal(5))
        assert fault.national_response_hours == Decimal(6) and fault.national_version == 2
        receipt = ReceivedRelease.objects.get(kind="slas", version=2)
        notes = {(n["request_kind"], n["field"], n["kept"]) for n in receipt.notes}
        assert notes == {
            ("complaint", "response_hours", True),
            ("complaint", "resolution_hours", False),
            ("fault", "resolution_hours", True),
            ("fault", "response_hours", True),
        }
    with in_tenant("sh"):
        assert limit("gold", "complaint").response_hours == Decimal(3)
    cell = matrix_cell("bj")
    assert (cell.version, cell.local_extensions) == (2, 3)


def test_province_page_shows_slas_and_only_administrators_set_local_values_r11_2(
    tenant_client,
):
    """The province's standards page lists the SLAs in force (provincial values marked);
    the provincial form refuses looser values (400, field error) and other roles (403)."""
    publish_slas()
    with in_tenant("bj"):
        org = make_org()
        gold = limit()
    admin = tenant_client("bj", org.admin.user)
    admin.cookies["django_language"] = "en"
    url = f"/standards/slas/{gold.pk}/"
    assert tenant_client("bj", org.auditor.user).get(url).status_code == 403
    assert tenant_client("bj", org.manager_a.user).get("/standards/").status_code == 403
    looser = admin.post(
        url, {"response_hours": "6", "resolution_hours": "", "compliance_target": ""}
    )
    assert looser.status_code == 400
    assert "not lengthen it" in looser.context["form"].errors["response_hours"][0]
    assert admin.post(url, {"response_hours": "1.5"}).status_code == 302
    page = tenant_client("bj", org.auditor.user).get("/standards/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="service-time-limits"' in html
    assert 'data-level="gold" data-request-kind="complaint" data-response="1.50"' in html
    assert url not in html  # the auditor reads, does not edit
    assert 'data-kind="slas" data-version="1"' in html
