"""Merging duplicate customers and reverting a merge (R2.1.2)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from province.customers import merging
from province.customers.models import Contact, Customer, CustomerMerge, Payment, ProductInstance
from province.customers.services import save_contact
from shared.errors import Conflict
from tests.conftest import in_tenant
from tests.factories import (
    VALID_RESIDENT_IDS,
    VALID_USCCS,
    make_account,
    make_bill,
    make_customer,
    make_org,
    make_product,
)

pytestmark = pytest.mark.django_db


def scenario():
    org = make_org()
    survivor = make_customer(
        org.manager_a, type="group", name="甲集团", certificate_no=VALID_USCCS[0]
    )
    duplicate = make_customer(org.manager_a, type="group", name="甲集团（重复）")
    make_account(survivor)
    save_contact(survivor, name="老联系人", role="finance")
    for name in ("王五", "赵六"):
        save_contact(duplicate, name=name, role="decision_maker")
    account = make_account(duplicate)
    product = make_product()
    ProductInstance.objects.create(
        customer=duplicate,
        account=account,
        product=product,
        service_number="01012345678",
        monthly_fee="100.00",
        activated_on=date(2023, 1, 1),
    )
    bill = make_bill(account, date(2024, 1, 1), "100.00")
    Payment.objects.create(
        customer=duplicate,
        account=account,
        bill=bill,
        amount="100.00",
        paid_on=date(2024, 2, 10),
        method="bank_transfer",
        reference="PAY-MERGE-1",
    )
    member = make_customer(org.manager_a, name="甲集团子公司", parent=duplicate)
    return org, survivor, duplicate, member


@pytest.fixture
def data(bj):
    return scenario()


def counts(customer):
    """Rows per related model pointing at ``customer`` (every relation the merge knows)."""
    return {
        f"{r.label}.{r.field_name}": sorted(
            r.model._base_manager.filter(**{r.field_name: customer}).values_list("pk", flat=True)
        )
        for r in merging.customer_relations()
    }


def test_r2_1_2_relations_are_discovered_generically():
    labels = {(r.label, r.field_name) for r in merging.customer_relations()}
    assert {
        ("customers.Contact", "customer"),
        ("customers.BillingAccount", "customer"),
        ("customers.ProductInstance", "customer"),
        ("customers.Bill", "customer"),
        ("customers.Payment", "customer"),
        ("customers.Customer", "parent"),
    } <= labels
    assert ("customers.Customer", "merged_into") not in labels
    assert not any(label.startswith("customers.Historical") for label, _f in labels)
    assert not any(label == "customers.CustomerMerge" for label, _f in labels)


def test_r2_1_2_merge_moves_every_related_record(data):
    org, survivor, duplicate, member = data
    before_dup, before_surv = counts(duplicate), counts(survivor)
    assert len(before_dup["customers.Contact.customer"]) == 2
    assert before_dup["customers.Customer.parent"] == [member.pk]

    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="同一集团")

    after_dup, after_surv = counts(duplicate), counts(survivor)
    assert all(ids == [] for ids in after_dup.values())
    for key, ids in before_dup.items():
        assert after_surv[key] == sorted(before_surv[key] + ids), key
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor and duplicate.status == "churned"
    member.refresh_from_db()
    assert member.parent == survivor
    assert merge.moved["customers.Contact"]["customer"] == before_dup["customers.Contact.customer"]
    assert merge.moved_counts()["customers.Bill"] == 1
    assert merge.duplicate_status == "active"
    # Audited in the customers' history, with a change reason.
    for customer in (survivor, duplicate, member):
        record = customer.history.order_by("-history_id").first()
        assert "同一集团" in record.history_change_reason
        assert record.history_user == org.admin.user
    assert Contact.history.filter(history_change_reason__contains="同一集团").count() == 2


def test_r2_1_2_merge_is_reversible_exactly(data):
    org, survivor, duplicate, member = data
    before_dup, before_surv = counts(duplicate), counts(survivor)
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复录入")
    merging.revert_merge(merge, actor=org.admin.user)
    assert counts(duplicate) == before_dup and counts(survivor) == before_surv
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.status == "active"
    merge.refresh_from_db()
    assert merge.reverted_at is not None and merge.reverted_by == org.admin.user
    with pytest.raises(Conflict) as exc:
        merging.revert_merge(merge, actor=org.admin.user)
    assert exc.value.code == "already_reverted"
    # Merged again after the revert: allowed (the live-merge constraint ignores reverted ones).
    merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="确认重复")


def test_r2_1_2_revert_only_for_province_admins(data):
    org, survivor, duplicate, _member = data
    merge = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    with pytest.raises(PermissionDenied):
        merging.revert_merge(merge, actor=org.supervisor_a.user)
    with pytest.raises(PermissionDenied):
        merging.merge_customers(survivor, duplicate, actor=org.manager_a.user, reason="x")


def test_r2_1_2_revert_refused_after_a_later_merge(data):
    org, survivor, duplicate, _member = data
    first = merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    third = make_customer(org.manager_a, type="group", name="甲集团总部")
    merging.merge_customers(third, survivor, actor=org.admin.user, reason="再合并")
    with pytest.raises(Conflict) as exc:
        merging.revert_merge(first, actor=org.admin.user)
    assert exc.value.code == "later_merge"


def test_r2_1_2_merge_refuses_self_and_merged_targets(data):
    org, survivor, duplicate, _member = data
    admin = org.admin.user
    with pytest.raises(ValidationError) as exc:
        merging.merge_customers(survivor, survivor, actor=admin, reason="x")
    assert "duplicate" in exc.value.message_dict
    other = make_customer(org.manager_a, type="group", name="丙集团")
    merging.merge_customers(survivor, duplicate, actor=admin, reason="重复")
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(duplicate, other, actor=admin, reason="x")  # into a merged one
    assert exc.value.code == "already_merged"
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(other, duplicate, actor=admin, reason="x")  # merged twice
    assert exc.value.code == "already_merged"
    with pytest.raises(ValidationError) as exc:
        merging.merge_customers(other, survivor, actor=admin, reason="  ")
    assert "reason" in exc.value.message_dict


def test_r2_1_2_merge_refuses_conflicting_certificates(data):
    org, survivor, _duplicate, _member = data
    person = make_customer(
        org.manager_a, type="individual", name="张三", certificate_no=VALID_RESIDENT_IDS[1]
    )
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(survivor, person, actor=org.admin.user, reason="x")
    assert exc.value.code == "certificate_mismatch"
    assert "张三" in str(exc.value.message)
    company = make_customer(org.manager_a, name="乙公司", certificate_no=VALID_USCCS[1])
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(survivor, company, actor=org.admin.user, reason="x")
    assert exc.value.code == "certificate_mismatch"


def test_r2_1_2_member_companies_need_a_group_survivor(data):
    org, _survivor, duplicate, _member = data
    enterprise = make_customer(org.manager_a, name="普通企业")
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(enterprise, duplicate, actor=org.admin.user, reason="x")
    assert exc.value.code == "members_need_group"


def test_r2_1_2_interrupted_merge_changes_nothing(data, monkeypatch):
    org, survivor, duplicate, member = data
    before_dup, before_surv = counts(duplicate), counts(survivor)
    history_before = Customer.history.count()
    original = merging._repoint
    calls = []

    def failing_repoint(relation, ids, target, **kwargs):
        calls.append(relation.label)
        original(relation, ids, target, **kwargs)
        if len(calls) == 3:  # rows of three models have moved when a constraint breaks
            raise IntegrityError("simulated constraint violation")

    monkeypatch.setattr(merging, "_repoint", failing_repoint)
    with pytest.raises(Conflict) as exc:
        merging.merge_customers(survivor, duplicate, actor=org.admin.user, reason="重复")
    assert exc.value.code == "merge_clash"
    assert len(calls) == 3
    assert counts(duplicate) == before_dup and counts(survivor) == before_surv
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.status == "active"
    assert not CustomerMerge.objects.exists()
    assert Customer.history.count() == history_before


def test_r2_1_2_merge_page_and_api(db, tenant_client, api_client):
    with in_tenant("bj"):
        org, survivor, duplicate, _member = scenario()
        other = make_customer(org.manager_a, type="group", name="丁集团")
    client = tenant_client("bj", org.admin.user)
    preview = client.get(f"/customers/io/merge/{survivor.pk}/", {"duplicate": duplicate.number})
    assert preview.status_code == 200 and preview.context["problem"] is None
    moving = {item["model"]: item["count"] for item in preview.context["preview"]}
    assert moving["customers.Contact"] == 2 and moving["customers.Customer"] == 1
    done = client.post(
        f"/customers/io/merge/{survivor.pk}/", {"duplicate": duplicate.number, "reason": "重复"}
    )
    assert done.status_code == 302
    listing = client.get("/customers/io/merges/")
    assert listing.status_code == 200 and listing.context["can_revert"]
    merge = listing.context["merges"][0]
    assert client.post(f"/customers/io/merges/{merge.pk}/revert/").status_code == 302
    assert tenant_client("bj", org.manager_a.user).get("/customers/io/merges/").status_code == 403

    api = api_client("bj", org.admin.user)
    response = api.post(
        "/api/customers/merge/",
        {"survivor": survivor.pk, "duplicate": other.pk, "reason": "API"},
        format="json",
    )
    assert response.status_code == 201, response.content
    merge_id = response.json()["id"]
    again = api.post(
        "/api/customers/merge/",
        {"survivor": survivor.pk, "duplicate": other.pk, "reason": "API"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "already_merged"
    itself = api.post(
        "/api/customers/merge/",
        {"survivor": survivor.pk, "duplicate": survivor.pk, "reason": "API"},
        format="json",
    )
    assert itself.status_code == 400 and "duplicate" in itself.json()["fields"]
    assert api.post(f"/api/customers/merges/{merge_id}/revert/").status_code == 200
    second = api.post(f"/api/customers/merges/{merge_id}/revert/")
    assert second.status_code == 409 and second.json()["code"] == "already_reverted"
    manager = api_client("bj", org.manager_a.user)
    assert manager.post(f"/api/customers/merges/{merge_id}/revert/").status_code == 403
