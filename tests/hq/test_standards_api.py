"""The standards APIs (R11.2): at HQ the published releases (filter by kind) and the
provinces' status rows (the matrix: version in force, newest, behind, failures, stricter
local values); in a province the standards in force per kind and the SLA table. Read
permissions follow the roles, as on the pages."""

import pytest

from hq.standards import services as hq_services
from hq.standards.models import ProvinceStandard, StandardRelease
from province.standards import services
from province.standards.models import ReceivedRelease, ServiceTimeLimit
from sync.relay import relay_all
from tests.api import APIResourceTestBase, ListViewMixin, RetrieveViewMixin
from tests.conftest import in_tenant
from tests.factories import make_org, make_staff, make_user
from tests.hq.standards_scenario import SLAS, VALIDITY

pytestmark = pytest.mark.django_db


def publish(kind: str, content: dict, provinces=("bj", "sh")) -> StandardRelease:
    with in_tenant("hq"):
        hq_services.save_draft(kind, content)
        release = hq_services.publish_release(kind, provinces=list(provinces))
        relay_all()
    for schema in provinces:
        with in_tenant(schema):
            relay_all()
    return release


class _HqScenario(APIResourceTestBase):
    schema = "hq"

    def setup_roles(self):
        self.reader = make_user(["hq_analyst"])
        self.writer = make_user(["hq_admin"])
        self.outsider = make_user([])


class TestStandardReleaseAPI(_HqScenario, ListViewMixin, RetrieveViewMixin):
    """R11.2: HQ's published versions, read by HQ administrators and analysts."""

    base_url = "/api/standards/releases/"

    def make_object(self):
        hq_services.save_draft("validity", VALIDITY)
        return hq_services.publish_release("validity")

    def test_r11_2_filter_by_kind_and_release_is_read_only(self):
        with self.in_schema():
            hq_services.save_draft("validity", VALIDITY)
            hq_services.publish_release("validity")
            hq_services.save_draft("slas", SLAS)
            slas = hq_services.publish_release("slas")
        client = self.client_as(self.reader)
        rows = client.get(self.base_url + "?kind=slas").json()["results"]
        assert [(r["kind"], r["version"]) for r in rows] == [("slas", 1)]
        assert len(rows[0]["content"]["slas"]) == 12
        assert client.get(self.base_url + "?kind=nonsense").status_code == 400
        writer = self.client_as(self.writer)
        # No write routes (the role check answers first for POST on the list).
        assert writer.post(self.base_url, {"kind": "slas"}, format="json").status_code in (403, 405)
        assert writer.delete(self.detail_url(slas.pk)).status_code in (403, 405)
        with self.in_schema():
            assert StandardRelease.objects.count() == 2


class TestProvinceStandardAPI(_HqScenario, ListViewMixin, RetrieveViewMixin):
    """R11.2: the matrix rows: each province's version in force against the newest."""

    base_url = "/api/standards/provinces/"

    def make_object(self):
        return ProvinceStandard.objects.create(province="bj", kind="levels", version=0)

    def test_r11_2_rows_say_who_is_behind_and_who_keeps_stricter_values(self):
        publish("slas", SLAS)
        with in_tenant("bj"):
            services.set_local_time_limit(
                ServiceTimeLimit.objects.get(level="gold", request_kind="fault"),
                response_hours=1,
                resolution_hours=None,
                compliance_target=None,
            )
            relay_all()
        publish("slas", SLAS, provinces=("bj",))  # v2 reaches bj only: sh is behind
        client = self.client_as(self.reader)
        rows = client.get(self.base_url + "?kind=slas").json()["results"]
        status = {r["province"]: r for r in rows}
        assert (status["bj"]["version"], status["bj"]["behind"]) == (2, False)
        assert status["bj"]["local_extensions"] == 1 and status["bj"]["applied_at"]
        assert (status["sh"]["version"], status["sh"]["latest_version"]) == (1, 2)
        assert status["sh"]["behind"] is True
        behind = client.get(self.base_url + "?behind=true").json()["results"]
        assert [(r["province"], r["kind"]) for r in behind] == [("sh", "slas")]
        only_bj = client.get(self.base_url + "?province=bj").json()["results"]
        assert {r["province"] for r in only_bj} == {"bj"}


class _ProvinceScenario(APIResourceTestBase):
    def setup_roles(self):
        self.org = make_org()
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = make_staff(self.org.team_a, roles=["account_manager"]).user


class TestStandardsInForceAPI(_ProvinceScenario, ListViewMixin):
    """R11.2: the province's standards in force per kind, with version and applied time."""

    base_url = "/api/standards/in-force/"

    def make_object(self):
        return services.apply_release(
            {
                "kind": "validity",
                "version": 1,
                "published_at": "2026-11-01T00:00:00+00:00",
                "effective_from": "2026-12-01",
                "content": VALIDITY,
            }
        )

    def test_r11_2_one_row_per_kind_the_newest_applied_retrieved_by_kind(self):
        publish("validity", VALIDITY)
        publish("validity", {"years_after": 5})
        publish("slas", SLAS)
        client = self.client_as(self.reader)
        rows = client.get(self.base_url).json()["results"]
        assert sorted((r["kind"], r["version"]) for r in rows) == [("slas", 1), ("validity", 2)]
        validity = client.get(self.base_url + "validity/")
        assert validity.status_code == 200
        body = validity.json()
        assert (body["version"], body["content"]) == (2, {"years_after": 5})
        assert body["applied_at"] and body["effective_from"]
        assert client.get(self.base_url + "levels/").status_code == 404  # nothing received
        assert client.get(self.base_url + "?kind=slas").json()["results"][0]["version"] == 1
        with self.in_schema():
            assert ReceivedRelease.objects.filter(kind="validity").count() == 2

    def test_r11_2_another_province_sees_only_its_own_standards(self):
        publish("validity", VALIDITY, provinces=("bj",))
        with in_tenant("sh"):
            auditor = make_org().auditor.user
            assert not ReceivedRelease.objects.exists()
        rows = self.api_client("sh", auditor).get(self.base_url).json()["results"]
        assert rows == []


class TestServiceTimeLimitAPI(_ProvinceScenario, ListViewMixin, RetrieveViewMixin):
    """R11.2: the SLA table in force, national and provincial values side by side."""

    base_url = "/api/standards/slas/"

    def make_object(self):
        return ServiceTimeLimit.objects.create(
            level="gold",
            request_kind="complaint",
            national_response_hours=4,
            national_resolution_hours=24,
            national_compliance_target=95,
            national_version=1,
        )

    def test_r11_2_values_in_force_and_filters(self):
        publish("slas", SLAS)
        with self.in_schema():
            services.set_local_time_limit(
                ServiceTimeLimit.objects.get(level="gold", request_kind="complaint"),
                response_hours=None,
                resolution_hours=12,
                compliance_target=99,
            )
        client = self.client_as(self.reader)
        assert len(client.get(self.base_url).json()["results"]) == 12
        rows = client.get(self.base_url + "?level=gold&request_kind=complaint").json()["results"]
        (gold,) = rows
        assert (gold["response_hours"], gold["resolution_hours"]) == ("4.00", "12.00")
        assert (gold["compliance_target"], gold["national_compliance_target"]) == (
            "99.00",
            "95.00",
        )
        assert gold["local_response_hours"] is None and gold["national_version"] == 1
        local = client.get(self.base_url + "?local=true").json()["results"]
        assert [r["id"] for r in local] == [gold["id"]]
        # Read-only: the provincial values are set through the page's service.
        writer = self.client_as(self.writer)
        url = self.detail_url(gold["id"])
        response = writer.patch(url, {"local_response_hours": "9"}, format="json")
        assert response.status_code in (403, 405)
        with self.in_schema():
            assert ServiceTimeLimit.objects.get(pk=gold["id"]).local_response_hours is None
