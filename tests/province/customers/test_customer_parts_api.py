"""Contacts (CRUD) and the read-only facts of a customer (billing accounts, product
instances, bills, payments) through the API: permissions and visibility (R2.1.1, R9.2)."""

from datetime import date

from province.customers.models import (
    Bill,
    BillingAccount,
    Contact,
    Payment,
    ProductInstance,
)
from province.customers.services import save_contact
from tests.api import APIResourceTestBase, CRUDTestMixins, ListViewMixin, RetrieveViewMixin
from tests.factories import (
    make_account,
    make_bill,
    make_customer,
    make_org,
    make_product,
    make_staff,
)


class _Scenario(APIResourceTestBase):
    def setup_roles(self):
        self.org = make_org()
        self.reader = self.org.auditor.user
        self.writer = self.org.admin.user
        self.outsider = make_staff(self.org.team_a, roles=[]).user
        self.mine = make_customer(self.org.manager_a, name="甲")
        self.theirs = make_customer(self.org.manager_b, name="乙")


class TestContactAPI(_Scenario, CRUDTestMixins):
    model = Contact
    base_url = "/api/customers/contacts/"

    def make_object(self):
        return save_contact(self.theirs, name="李四", role="technical", mobile="13712345678")

    def create_data(self):
        return {
            "customer": self.mine.pk,
            "name": "王五",
            "role": "decision_maker",
            "mobile": "13812345678",
        }

    def update_data(self):
        return {"title": "CIO"}

    def test_r2_1_1_one_primary_contact_per_customer(self):
        client = self.client_as(self.writer)
        first = client.post(
            self.base_url, {**self.create_data(), "is_primary": True}, format="json"
        )
        second = client.post(
            self.base_url, {**self.create_data(), "name": "赵六", "is_primary": True}, format="json"
        )
        assert first.status_code == second.status_code == 201
        with self.in_schema():
            assert list(
                Contact.objects.filter(customer=self.mine, is_primary=True).values_list(
                    "name", flat=True
                )
            ) == ["赵六"]

    def test_r9_2_manager_cannot_add_a_contact_to_someone_elses_customer(self):
        data = {**self.create_data(), "customer": self.theirs.pk}
        response = self.client_as(self.org.manager_a.user).post(self.base_url, data, format="json")
        assert response.status_code == 400 and "customer" in response.json()["fields"]

    def test_bad_mobile_is_a_field_error(self):
        data = {**self.create_data(), "mobile": "123"}
        response = self.client_as(self.writer).post(self.base_url, data, format="json")
        assert response.status_code == 400 and "mobile" in response.json()["fields"]


class _ReadOnlyFacts(_Scenario, ListViewMixin, RetrieveViewMixin):
    """Facts arrive from billing (import, demo data): the API reads them, never writes."""

    def test_writes_are_refused(self):
        with self.in_schema():
            before = self.model.objects.count()
        response = self.client_as(self.writer).post(self.base_url, {}, format="json")
        assert response.status_code in (403, 405)  # no add permission; no create route anyway
        with self.in_schema():
            assert self.model.objects.count() == before

    def test_r9_2_manager_sees_only_own_customers_rows(self):
        with self.in_schema():
            own = self.make_object(customer=self.mine)
            other = self.make_object(customer=self.theirs)
        rows = self.client_as(self.org.manager_a.user).get(self.base_url).json()["results"]
        ids = {row["id"] for row in rows}
        assert own.pk in ids and other.pk not in ids


class TestBillingAccountAPI(_ReadOnlyFacts):
    model = BillingAccount
    base_url = "/api/customers/accounts/"

    def make_object(self, customer=None):
        return make_account(customer or self.theirs)


class TestProductInstanceAPI(_ReadOnlyFacts):
    model = ProductInstance
    base_url = "/api/customers/products/"

    def make_object(self, customer=None):
        customer = customer or self.theirs
        return ProductInstance.objects.create(
            customer=customer,
            account=make_account(customer),
            product=make_product(),
            service_number="010-12345678",
            monthly_fee="880.00",
            activated_on=date(2025, 1, 1),
        )


class TestBillAPI(_ReadOnlyFacts):
    model = Bill
    base_url = "/api/customers/bills/"

    def make_object(self, customer=None):
        return make_bill(make_account(customer or self.theirs), date(2026, 9, 1), 500)


class TestPaymentAPI(_ReadOnlyFacts):
    model = Payment
    base_url = "/api/customers/payments/"

    def make_object(self, customer=None):
        bill = make_bill(make_account(customer or self.theirs), date(2026, 9, 1), 500)
        return Payment.objects.create(
            customer=bill.customer,
            account=bill.account,
            bill=bill,
            amount=bill.amount_paid,
            paid_on=date(2026, 10, 10),
            method="bank_transfer",
            reference=f"P-{bill.pk}",
        )
