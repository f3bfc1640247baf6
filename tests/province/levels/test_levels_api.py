"""The levels API (R2.2): standards CRUD, runs with progress, proposal decisions, override,
level history and membership cards; role permissions and customer-based visibility."""

from datetime import date

import pytest

from province.customers.models import Customer
from province.levels import services
from province.levels.models import LevelProposal, LevelStandard, MembershipCard, RegradingRun
from tests.api import APIResourceTestBase, CRUDTestMixins
from tests.factories import make_org, make_staff
from tests.province.levels.levels_helpers import (
    ALL_LEVEL_PERMISSIONS,
    READ_PERMISSIONS,
    customer_paying,
    grant,
    proposals_by_customer,
    regrade,
    set_level,
)


class _LevelsScenario(APIResourceTestBase):
    def setup_roles(self):
        self.org = make_org()
        self.reader = grant(self.org.auditor, *READ_PERMISSIONS)
        self.writer = grant(self.org.admin, *ALL_LEVEL_PERMISSIONS)
        self.outsider = make_staff(self.org.team_a, roles=[]).user


class TestLevelStandardAPI(_LevelsScenario, CRUDTestMixins):
    """R2.2: the level standard is configurable by the province administrator."""

    model = LevelStandard
    base_url = "/api/levels/standards/"

    def make_object(self):
        return services.save_standard(
            actor=None,
            name="Draft",
            effective_from=date(2026, 1, 1),
            rules=[{"level": "silver", "min_avg_monthly_paid": "120"}],
        )

    def create_data(self):
        return {
            "name": "2026 standard",
            "effective_from": "2026-01-01",
            "months": 3,
            "rules": [
                {"level": "silver", "min_avg_monthly_paid": "200.00"},
                {"level": "gold", "min_avg_monthly_paid": "400.00", "min_tenure_months": 12},
            ],
        }

    def update_data(self):
        return {"name": "Renamed draft"}

    def test_r2_2_create_stores_rules(self):
        response = self.client_as(self.writer).post(
            self.base_url, self.create_data(), format="json"
        )
        assert response.status_code == 201, response.content
        rules = {r["level"]: r for r in response.json()["rules"]}
        assert rules["gold"]["min_tenure_months"] == 12
        assert response.json()["is_active"] is False

    def test_r2_2_activate_switches_the_active_standard(self):
        with self.in_schema():
            draft = self.make_object()
        url = self.detail_url(draft.pk) + "activate/"
        assert self.client_as(self.reader).post(url).status_code == 403
        response = self.client_as(self.writer).post(url)
        assert response.status_code == 200 and response.json()["is_active"] is True
        with self.in_schema():
            assert list(LevelStandard.objects.filter(is_active=True)) == [draft]

    def test_r2_2_the_active_standard_cannot_be_deleted(self):
        with self.in_schema():
            active = LevelStandard.objects.get(is_active=True)
        response = self.client_as(self.writer).delete(self.detail_url(active.pk))
        assert response.status_code == 409

    def test_r2_2_duplicate_level_rules_are_a_field_error(self):
        data = self.create_data()
        data["rules"] = [
            {"level": "silver", "min_avg_monthly_paid": "100"},
            {"level": "silver", "min_avg_monthly_paid": "200"},
        ]
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400 and "rules" in response.json()["fields"]


class TestProposalAPI(_LevelsScenario):
    base_url = "/api/levels/proposals/"

    @pytest.fixture(autouse=True)
    def _proposals(self, _scenario):
        with self.in_schema():
            self.mine = customer_paying(self.org.manager_a, 320)
            self.theirs = customer_paying(self.org.manager_b, 500)
            self.run = regrade(self.writer)
            proposals = proposals_by_customer(self.run)
            self.p_mine, self.p_theirs = proposals[self.mine.pk], proposals[self.theirs.pk]
            self.supervisor = grant(
                self.org.supervisor_a, "levels.view_levelproposal", "levels.decide_levelproposal"
            )
            self.manager = grant(self.org.manager_a, "levels.view_levelproposal")

    def test_r2_2_list_filters_by_run_and_status(self):
        response = self.client_as(self.reader).get(
            self.base_url, {"run": self.run.pk, "status": "pending"}
        )
        assert response.status_code == 200
        assert {r["customer"] for r in response.json()["results"]} == {
            self.mine.pk,
            self.theirs.pk,
        }
        response = self.client_as(self.reader).get(self.base_url, {"status": "approved"})
        assert response.json()["results"] == []

    def test_r9_2_manager_sees_only_proposals_of_own_customers(self):
        response = self.client_as(self.manager).get(self.base_url)
        assert [r["id"] for r in response.json()["results"]] == [self.p_mine.pk]
        assert (
            self.client_as(self.manager).get(self.detail_url(self.p_theirs.pk)).status_code == 404
        )

    def test_r2_2_reader_cannot_approve(self):
        response = self.client_as(self.reader).post(self.detail_url(self.p_mine.pk) + "approve/")
        assert response.status_code == 403
        with self.in_schema():
            assert Customer.objects.get(pk=self.mine.pk).level == "standard"

    def test_r2_2_manager_without_decide_permission_cannot_approve(self):
        url = self.detail_url(self.p_mine.pk) + "approve/"
        assert self.client_as(self.manager).post(url).status_code == 403

    def test_r2_2_supervisor_approves_a_proposal_of_their_unit(self):
        response = self.client_as(self.supervisor).post(
            self.detail_url(self.p_mine.pk) + "approve/", {"reason": "OK"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"
        with self.in_schema():
            assert Customer.objects.get(pk=self.mine.pk).level == "gold"
        # Outside the supervisor's subtree: not found.
        response = self.client_as(self.supervisor).post(
            self.detail_url(self.p_theirs.pk) + "approve/"
        )
        assert response.status_code == 404

    def test_r2_2_approving_twice_is_409(self):
        url = self.detail_url(self.p_mine.pk) + "approve/"
        assert self.client_as(self.writer).post(url).status_code == 200
        response = self.client_as(self.writer).post(url)
        assert response.status_code == 409 and response.json()["code"] == "proposal_decided"

    def test_r2_2_reject_without_reason_is_400(self):
        response = self.client_as(self.writer).post(self.detail_url(self.p_mine.pk) + "reject/")
        assert response.status_code == 400 and "reason" in response.json()["fields"]

    def test_r2_2_bulk_approve(self):
        response = self.client_as(self.writer).post(
            self.base_url + "bulk-approve/",
            {"proposals": [self.p_mine.pk, self.p_theirs.pk]},
            format="json",
        )
        assert response.status_code == 200 and response.json() == {"decided": 2}
        with self.in_schema():
            levels = set(
                Customer.objects.filter(pk__in=[self.mine.pk, self.theirs.pk]).values_list(
                    "level", flat=True
                )
            )
            assert levels == {"gold", "diamond"}
            assert not LevelProposal.objects.filter(run=self.run, status="pending").exists()

    def test_r2_2_bulk_reject_with_reason(self):
        response = self.client_as(self.writer).post(
            self.base_url + "bulk-reject/",
            {"proposals": [self.p_mine.pk], "reason": "Disputed bills"},
            format="json",
        )
        assert response.status_code == 200
        with self.in_schema():
            assert LevelProposal.objects.get(pk=self.p_mine.pk).status == "rejected"


class TestRunAPI(_LevelsScenario):
    base_url = "/api/levels/runs/"

    def test_r2_2_creating_a_run_queues_the_task_and_a_second_is_409(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            response = self.client_as(self.writer).post(
                self.base_url, {"as_of": "2025-07-15"}, format="json"
            )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["as_of"], body["done"]) == ("running", "2025-07-01", 0)
        assert len(callbacks) == 1  # regrade_task.delay after commit
        again = self.client_as(self.writer).post(self.base_url, {}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "run_in_progress"

    def test_r2_2_run_shows_progress(self):
        with self.in_schema():
            customer_paying(self.org.manager_a, 320)
            run = services.start_regrading(as_of=date(2025, 7, 1))
        before = self.client_as(self.reader).get(self.detail_url(run.pk)).json()
        assert (before["status"], before["done"], before["percent"]) == ("running", 0, 0)
        with self.in_schema():
            services.execute_run(run.pk)
        after = self.client_as(self.reader).get(self.detail_url(run.pk)).json()
        assert (after["status"], after["percent"], after["proposals"]) == ("done", 100, 1)
        assert after["done"] == after["total"] >= 1

    def test_r2_2_as_of_out_of_range_is_400(self):
        response = self.client_as(self.writer).post(
            self.base_url, {"as_of": "0001-01-01"}, format="json"
        )
        assert response.status_code == 400 and "as_of" in response.json()["fields"]

    def test_r2_2_reader_cannot_start_a_run(self):
        assert self.client_as(self.reader).post(self.base_url, {}).status_code == 403
        with self.in_schema():
            assert not RegradingRun.objects.exists()


class TestLevelChangeAPI(_LevelsScenario):
    base_url = "/api/levels/changes/"

    def test_r2_2_override_requires_reason_then_shows_in_history(self):
        with self.in_schema():
            customer = customer_paying(self.org.manager_a, 100)
        url = self.base_url + "override/"
        data = {"customer": customer.pk, "level": "gold"}
        response = self.client_as(self.writer).post(url, data | {"reason": ""}, format="json")
        assert response.status_code == 400 and "reason" in response.json()["fields"]
        assert self.client_as(self.reader).post(url, data | {"reason": "x"}).status_code == 403
        response = self.client_as(self.writer).post(
            url, data | {"reason": "Board decision"}, format="json"
        )
        assert response.status_code == 201, response.content
        history = self.client_as(self.reader).get(self.base_url, {"customer": customer.pk})
        rows = history.json()["results"]
        assert [(r["from_level"], r["to_level"], r["source"], r["reason"]) for r in rows] == [
            ("standard", "gold", "override", "Board decision")
        ]

    def test_r2_2_annual_review_endpoint(self):
        with self.in_schema():
            fallen = set_level(customer_paying(self.org.manager_a, 0), "gold")
        assert self.client_as(self.reader).get(self.base_url + "annual-review/").status_code == 403
        response = self.client_as(self.writer).get(self.base_url + "annual-review/")
        assert response.status_code == 200
        assert [r["customer_id"] for r in response.json()] == [fallen.pk]


class TestMembershipCardAPI(_LevelsScenario):
    base_url = "/api/levels/cards/"

    @pytest.fixture(autouse=True)
    def _member(self, _scenario):
        with self.in_schema():
            self.member = set_level(customer_paying(self.org.manager_a, 320), "gold")
            self.other = set_level(customer_paying(self.org.manager_b, 320), "gold")
            self.manager = grant(
                self.org.manager_a, "levels.view_membershipcard", "levels.add_membershipcard"
            )

    def test_r2_2_apply_issue_and_invalid_transition_over_the_api(self):
        client = self.client_as(self.writer)
        response = client.post(self.base_url, {"customer": self.member.pk}, format="json")
        assert response.status_code == 201, response.content
        card_id = response.json()["id"]
        assert response.json()["status"] == "applied"

        issued = client.post(self.detail_url(card_id) + "issue/")
        assert issued.status_code == 200 and issued.json()["number"].startswith("VIP")
        again = client.post(self.detail_url(card_id) + "issue/")
        assert again.status_code == 409
        assert again.json()["code"] == "invalid_transition" and again.json()["message"]

        assert client.post(self.detail_url(card_id) + "report-lost/").json()["status"] == "lost"
        assert client.post(self.detail_url(card_id) + "unblock/").json()["status"] == "issued"
        new = client.post(self.detail_url(card_id) + "reissue/").json()
        assert new["status"] == "issued" and new["id"] != card_id
        assert client.get(self.detail_url(card_id)).json()["replaced_by"] == new["id"]
        cancelled = client.post(self.detail_url(new["id"]) + "cancel/", {"reason": "Left"})
        assert cancelled.json()["status"] == "cancelled"

    def test_r2_2_second_live_card_is_409(self):
        client = self.client_as(self.writer)
        assert client.post(self.base_url, {"customer": self.member.pk}).status_code == 201
        response = client.post(self.base_url, {"customer": self.member.pk})
        assert response.status_code == 409 and response.json()["code"] == "card_exists"

    def test_r2_2_manager_applies_only_for_own_customers_and_cannot_issue(self):
        client = self.client_as(self.manager)
        response = client.post(self.base_url, {"customer": self.other.pk}, format="json")
        assert response.status_code == 400 and "customer" in response.json()["fields"]
        response = client.post(self.base_url, {"customer": self.member.pk}, format="json")
        assert response.status_code == 201
        assert client.post(self.detail_url(response.json()["id"]) + "issue/").status_code == 403

    def test_r9_2_manager_sees_only_cards_of_own_customers(self):
        with self.in_schema():
            mine = services.apply_card(self.member, actor=None)
            theirs = services.apply_card(self.other, actor=None)
        response = self.client_as(self.manager).get(self.base_url)
        assert [r["id"] for r in response.json()["results"]] == [mine.pk]
        assert self.client_as(self.manager).get(self.detail_url(theirs.pk)).status_code == 404
        with self.in_schema():
            assert MembershipCard.objects.count() == 2
