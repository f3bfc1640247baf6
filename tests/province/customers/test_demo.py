"""Demo customers at scale (province.customers.demo): counts, valid identifiers, consistent
references and sequences, and the seeding command's refusal to pile up data."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Sum

from province.customers import services
from province.customers.demo import CustomersExist, seed_customers
from province.customers.models import (
    Bill,
    BillingAccount,
    BillLine,
    Contact,
    Customer,
    Payment,
    ProductInstance,
)
from province.products.models import Product
from shared.validators import is_valid_mainland_mobile, is_valid_resident_id, is_valid_uscc
from tests.factories import make_account, make_bill, make_org

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 5, 20)
N = 500


@pytest.fixture
def seeded(bj):
    org = make_org()
    report = seed_customers(N, as_of=AS_OF, chunk_size=200)  # three chunks
    return org, report


def test_counts_and_mix(seeded):
    _, report = seeded
    assert Customer.objects.count() == N == report.customers
    assert Product.objects.count() >= 20
    for model in (Contact, BillingAccount, ProductInstance, Bill, BillLine, Payment):
        assert model.objects.count() == report.rows[model._meta.db_table] > 0
    types = dict(Customer.objects.values_list("type").annotate(n=Count("id")))
    assert types["group"] == N // 20
    assert 0.6 * N < types["enterprise"] < 0.8 * N
    assert types["government"] > 0 and types["individual"] > 0
    assert Customer.objects.filter(parent__isnull=False).exists()
    assert not Customer.objects.filter(parent__isnull=False).exclude(parent__type="group").exists()
    assert Customer.objects.filter(status="churned").exists()
    levels = set(Customer.objects.values_list("level", flat=True))
    assert {"standard", "silver"} <= levels
    code = connection.tenant.code
    for pk, number in Customer.objects.values_list("pk", "number"):
        assert number == f"{code}{pk:010d}"


def test_identifiers_are_valid(seeded):
    for kind, number in Customer.objects.values_list("certificate_type", "certificate_no"):
        if kind == "uscc":
            assert is_valid_uscc(number), number
        else:
            assert kind == "resident_id" and is_valid_resident_id(number, today=AS_OF), number
    assert (
        Customer.objects.filter(type="individual").exclude(certificate_type="resident_id").count()
        == 0
    )
    phones = list(Customer.objects.exclude(phone="").values_list("phone", flat=True))
    phones += list(Contact.objects.values_list("mobile", flat=True))
    assert phones and all(is_valid_mainland_mobile(p) for p in phones)


def test_customers_are_served_by_account_managers_of_the_province(seeded):
    org, _ = seeded
    managers = {org.manager_a.pk, org.manager_b.pk}
    assert set(Customer.objects.values_list("account_manager", flat=True)) == managers
    assert not Customer.objects.exclude(org_unit=F("account_manager__org_unit")).exists()


def test_children_reference_the_customers_own_accounts(seeded):
    assert not ProductInstance.objects.exclude(account__customer=F("customer")).exists()
    assert not Bill.objects.exclude(account__customer=F("customer")).exists()
    assert not Payment.objects.exclude(account__customer=F("customer")).exists()
    assert not Payment.objects.exclude(bill__account=F("account")).exists()
    # A bill is the sum of its lines, and its payment is what it says was paid.
    lines = BillLine.objects.values("bill").annotate(total=Sum("amount_due"))
    totals = {row["bill"]: row["total"] for row in lines}
    for bill in Bill.objects.all():
        assert totals[bill.pk] == bill.amount_due
    paid = dict(Payment.objects.values_list("bill").annotate(s=Sum("amount")))
    for bill_id, amount_paid in Bill.objects.filter(amount_paid__gt=0).values_list(
        "pk", "amount_paid"
    ):
        assert paid[bill_id] == amount_paid
    assert Payment.objects.count() == Bill.objects.filter(amount_paid__gt=0).count()


def test_bills_are_realistic(seeded):
    last = date(2026, 4, 1)
    assert Bill.objects.filter(period__gt=last).count() == 0
    assert Bill.objects.filter(period__lt=date(2024, 5, 1)).count() == 0
    overdue = Bill.objects.filter(due_date__lt=AS_OF).exclude(status="paid")
    assert overdue.exists()
    assert not Bill.objects.filter(status="paid", amount_paid__lt=F("amount_due")).exists()
    assert not Bill.objects.filter(paid_on__gt=AS_OF).exists()
    for customer in Customer.objects.filter(status="churned"):
        products = list(customer.products.all())
        assert all(p.terminated_on is not None for p in products)
        if products:
            churned_on = max(p.terminated_on for p in products)
            assert not customer.bills.filter(period__gt=churned_on).exists()
            assert not customer.accounts.filter(is_active=True).exists()
    assert not Customer.objects.filter(status="potential", accounts__isnull=False).exists()


def test_sequences_allow_later_inserts_through_the_orm(seeded):
    org, _ = seeded
    customer = services.create_customer(
        type="enterprise", name="Later Co., Ltd.", account_manager=org.manager_a
    )
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).order_by("-pk")[0].pk
    # (create_customer draws the number and the id from the sequence separately)
    assert not Customer.objects.filter(number=customer.number).exclude(pk=customer.pk).exists()
    services.save_contact(customer, name="Li Lei", role="finance")
    account = make_account(customer)
    make_bill(account, date(2026, 4, 1), "100.00")
    ProductInstance.objects.create(
        customer=customer,
        account=account,
        product=Product.objects.first(),
        service_number="X1",
        monthly_fee="100.00",
        activated_on=AS_OF,
    )


def test_refuses_to_seed_a_province_with_customers_unless_appending(seeded):
    with pytest.raises(CustomersExist):
        seed_customers(10, as_of=AS_OF)
    with pytest.raises(CommandError, match="--append"):
        call_command("seed_customers", province=["bj"], customers=10, verbosity=0)
    call_command("seed_customers", province=["bj"], customers=40, append=True, verbosity=0)
    connection.set_tenant(connection.tenant)  # the command's tenant_context restored ours
    assert Customer.objects.count() == N + 40
    certificates = Customer.objects.values("certificate_no").annotate(n=Count("id"))
    assert not certificates.filter(n__gt=1).exists()


def test_seed_demo_adds_products_and_customers_once(bj):
    make_org()
    call_command("seed_demo", province=["bj"], customers=60, verbosity=0)
    call_command("seed_demo", province=["bj"], customers=60, verbosity=0)
    assert Customer.objects.count() == 60
    assert Product.objects.count() >= 20
