"""National standards through the sync core (R11.2): HQ publishes each kind, bj and sh
apply it to their own tables and report the version in force, HQ's matrix shows it.
Messages are relayed synchronously in the sender's schema, as tests/sync does."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hq.standards import selectors as hq_selectors
from hq.standards import services as hq_services
from hq.standards.choices import ProductCategory as HqProductCategory
from hq.standards.models import ProvinceStandard, StandardRelease
from province.levels.models import LevelStandard
from province.loyalty.choices import RuleScope
from province.loyalty.models import EarningRule, ValidityPolicy
from province.products.choices import ProductCategory
from province.products.models import Product
from province.standards import services
from province.standards.choices import ReleaseStatus
from province.standards.models import NationalEarningRule, ReceivedRelease, ServiceTimeLimit
from shared.errors import Conflict
from sync.inbox import retry_failed
from sync.models import InboxMessage, InboxStatus
from sync.registry import SNAPSHOTS
from sync.relay import relay_all
from tests.conftest import in_tenant
from tests.hq.standards_scenario import CONTENT, EFFECTIVE, POINTS, PRODUCTS, draft_everything

pytestmark = pytest.mark.django_db

PROVINCES = ("bj", "sh")


def relay_down_and_up() -> None:
    with in_tenant("hq"):
        relay_all()
    for schema in PROVINCES:
        with in_tenant(schema):
            relay_all()


def publish(kind: str) -> StandardRelease:
    with in_tenant("hq"):
        release = hq_services.publish_release(kind)
    relay_down_and_up()
    return release


def matrix() -> dict:
    with in_tenant("hq"):
        return {row.schema_name: row.cells for row in hq_selectors.matrix()}


def test_every_kind_reaches_bj_and_sh_and_hq_sees_the_versions_r11_2():
    """R11.2: levels, points, validity, products and SLAs are applied in each province's own
    tables; each province reports the version in force and when, shown in HQ's matrix."""
    with in_tenant("hq"):
        draft_everything()
    for kind in CONTENT:
        publish(kind)
    for schema in PROVINCES:
        with in_tenant(schema):
            standard = LevelStandard.objects.get(is_active=True)
            assert (standard.months, standard.validity_months) == (3, 24)
            assert standard.effective_from == EFFECTIVE
            rules = {r.level: r for r in standard.rules.all()}
            assert rules["gold"].min_avg_monthly_paid == Decimal("1000")
            assert rules["gold"].min_tenure_months == 12
            assert rules["diamond"].min_active_products == 3
            national = EarningRule.objects.filter(scope=RuleScope.NATIONAL, valid_to__isnull=True)
            assert sorted(national.values_list("name", flat=True)) == [
                "Gold ×1.5",
                "National base",
                "Paid on time",
            ]
            base = NationalEarningRule.objects.get(code="N-BASE").rule
            assert (base.points_per_yuan, base.valid_from) == (Decimal("2"), EFFECTIVE)
            # The seeded "1 point per yuan" national rule is not in the release: it ended.
            assert not EarningRule.objects.filter(
                scope=RuleScope.NATIONAL, valid_to__isnull=True, points_per_yuan=1, kind="base"
            ).exists()
            assert ValidityPolicy.objects.get(is_active=True).years_after == 3
            product = Product.objects.get(code="N5G")
            assert (product.is_national, product.monthly_price) == (True, Decimal("199"))
            assert Product.objects.get(code="NCLOUD").category == "cloud"
            assert {r.kind: r.version for r in ReceivedRelease.objects.all()} == {
                "levels": 1,
                "points": 1,
                "validity": 1,
                "products": 1,
                "slas": 1,
            }
            assert ServiceTimeLimit.objects.count() == 12  # 4 levels × 3 request kinds
            gold = ServiceTimeLimit.objects.get(level="gold", request_kind="complaint")
            assert (gold.response_hours, gold.resolution_hours, gold.compliance_target) == (
                Decimal("4"),
                Decimal("24"),
                Decimal("95"),
            )
    cells = matrix()
    for schema in PROVINCES:
        for kind in CONTENT:
            cell = cells[schema][kind]
            assert (cell.version, cell.behind, cell.error) == (1, False, "")
            assert cell.applied_at is not None
    # Indicator definitions are a column too, read from hq.indicators (nothing sent yet).
    assert cells["bj"]["indicators"].version is None


def test_a_new_release_replaces_the_national_rules_but_not_provincial_ones_r11_2():
    """R11.2, R2.4.2: provincial extensions survive; a changed national rule is ended the
    day before the new release takes effect and replaced; a dropped one ends."""
    with in_tenant("hq"):
        draft_everything()
    publish("points")
    with in_tenant("bj"):
        provincial = EarningRule.objects.create(
            name="Beijing campaign",
            scope=RuleScope.PROVINCIAL,
            kind="bonus",
            condition="campaign",
            parameter="BJ2026",
            bonus_points=50,
            valid_from=date(2026, 1, 1),
        )
        kept_gold = NationalEarningRule.objects.get(code="N-GOLD").rule_id
    changed = {
        "rules": [
            {**POINTS["rules"][0], "points_per_yuan": "3"},
            POINTS["rules"][1],  # unchanged: kept as it is
        ]
    }
    with in_tenant("hq"):
        hq_services.save_draft("points", changed, effective_from=date(2027, 1, 1))
    publish("points")
    with in_tenant("bj"):
        provincial.refresh_from_db()
        assert provincial.valid_to is None and provincial.scope == RuleScope.PROVINCIAL
        links = {link.code: link.rule for link in NationalEarningRule.objects.all()}
        assert set(links) == {"N-BASE", "N-GOLD"}
        assert links["N-GOLD"].pk == kept_gold
        assert (links["N-BASE"].points_per_yuan, links["N-BASE"].valid_from) == (
            Decimal("3"),
            date(2027, 1, 1),
        )
        live = EarningRule.objects.filter(scope=RuleScope.NATIONAL, valid_to__isnull=True)
        assert live.count() == 2  # the on-time bonus and the old base rule ended (or went)
    assert matrix()["bj"]["points"].version == 2


def test_an_older_release_delivered_late_is_ignored_r11_2():
    """R11.2: v1 sent again after v2 (a new outbox message, so the sync core's per-key
    check lets it through) does not replace v2: the handler checks release versions."""
    with in_tenant("hq"):
        draft_everything()
    first = publish("validity")
    with in_tenant("hq"):
        hq_services.save_draft("validity", {"years_after": 5})
    publish("validity")
    with in_tenant("hq"):
        hq_services.resend_release(first, provinces=["bj"])
    relay_down_and_up()
    with in_tenant("bj"):
        assert ValidityPolicy.objects.get(is_active=True).years_after == 5
        assert ReceivedRelease.objects.get(kind="validity", version=1).status == "applied"
        assert services.in_force("validity").version == 2
        assert InboxMessage.objects.filter(topic="standards.release", status="failed").count() == 0
    assert matrix()["bj"]["validity"].version == 2


def _publish_raw(kind: str, content: dict, provinces=("bj",)) -> StandardRelease:
    """A release HQ's draft checks would refuse (lists drifted apart), straight to sync."""
    with in_tenant("hq"):
        release = StandardRelease.objects.create(
            kind=kind, version=99, content=content, effective_from=EFFECTIVE
        )
        hq_services.resend_release(release, provinces=list(provinces))
    relay_down_and_up()
    return release


def test_a_failing_applier_is_recorded_reported_and_retried_r11_2():
    """R11.2, DESIGN §4: a product category the province does not know fails the products
    applier; nothing of the release is written, the failure is recorded and shown at HQ,
    the message stays failed in the inbox and is applied again by the retry."""
    bad = {"products": [*PRODUCTS["products"], {"code": "NSAT", "name": "Sat", "category": "x"}]}
    _publish_raw("products", bad)
    with in_tenant("bj"):
        assert not Product.objects.filter(code="N5G").exists()  # rolled back whole
        receipt = ReceivedRelease.objects.get(kind="products", version=99)
        assert receipt.status == ReleaseStatus.FAILED and "category" in receipt.error
        message = InboxMessage.objects.get(topic="standards.release")
        assert message.status == InboxStatus.FAILED and message.next_attempt_at is not None
        assert retry_failed(force=True) == 1
        message.refresh_from_db()
        receipt.refresh_from_db()
        assert (message.status, message.attempts, receipt.attempts) == ("failed", 2, 2)
        relay_all()
    cell = matrix()["bj"]["products"]
    assert (cell.version, cell.failed_version) == (None, 99)
    assert "category" in cell.error


def test_a_transient_failure_is_applied_by_the_retry_r11_2(monkeypatch):
    """DESIGN §4: once the cause is gone, the sync core's retry applies the release and the
    report to HQ clears the error."""
    calls = []
    original = services.APPLIERS["validity"]

    def fail_once(receipt):
        calls.append(receipt.version)
        if len(calls) == 1:
            raise RuntimeError("policy table locked")
        original(receipt)

    monkeypatch.setitem(services.APPLIERS, "validity", fail_once)
    with in_tenant("hq"):
        hq_services.save_draft("validity", {"years_after": 4})
    publish("validity")
    assert matrix()["bj"]["validity"].error == "RuntimeError: policy table locked"
    with in_tenant("bj"):
        assert retry_failed(force=True) == 1
        assert ValidityPolicy.objects.get(is_active=True).years_after == 4
        relay_all()
    cell = matrix()["bj"]["validity"]
    assert (cell.version, cell.error, cell.behind) == (1, "", False)


def test_hq_refuses_bad_drafts_and_empty_publications_r11_2():
    """R11.2: a draft is checked like a release (field errors, nothing written); publishing
    a kind never drafted is a conflict."""
    with in_tenant("hq"):
        with pytest.raises(ValidationError) as error:
            hq_services.save_draft(
                "levels",
                {
                    **CONTENT["levels"],
                    "rules": [
                        {"level": "silver", "min_avg_monthly_paid": "900"},
                        {"level": "gold", "min_avg_monthly_paid": "100"},
                    ],
                },
            )
        assert "rules" in error.value.message_dict
        with pytest.raises(ValidationError):
            hq_services.save_draft("products", {"products": [{"code": "X", "name": "X"}]})
        with pytest.raises(Conflict):
            hq_services.publish_release("points")
        assert not StandardRelease.objects.exists()


def test_a_full_resync_re_reports_the_versions_in_force_r11_2():
    """Issue 5 item 6: the snapshot publisher re-sends the version of every kind."""
    with in_tenant("hq"):
        hq_services.save_draft("validity", {"years_after": 3})
    publish("validity")
    with in_tenant("hq"):
        ProvinceStandard.objects.all().delete()
    snapshot = SNAPSHOTS["standards.applied"]
    with in_tenant("bj"):
        assert list(snapshot.keys()) == ["validity"]
        snapshot.publish(snapshot.keys())
        relay_all()
    assert matrix()["bj"]["validity"].version == 1


def test_hq_product_categories_match_the_provinces_r11_2():
    assert HqProductCategory.values == ProductCategory.values
