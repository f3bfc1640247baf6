"""Customer master data of one province (R2.1.1).

A customer has contacts, billing accounts and product instances; bills (with a line per
product) and payments are the facts that levels, credit, points and indicators are computed
from. ``org_unit`` repeats the account manager's unit so that "customers of my subtree" is
one indexed prefix match (R9.2).
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from province.customers.choices import (
    BillStatus,
    CertificateType,
    ContactRole,
    CustomerLevel,
    CustomerStatus,
    CustomerType,
    PaymentMethod,
)
from province.org.models import OrgUnit, Staff
from province.products.models import Product
from shared.models import MONEY, TimeStampedModel, TrackedModel
from shared.scoping import ScopedManager
from shared.validators import validate_mainland_mobile
from shared.vocab.industries import IndustrySection

VIEW_UNIT_CUSTOMERS = "customers.view_unit_customers"


def customer_scope(user, prefix: str = "") -> Q:
    """Which customers ``user`` may see, as a filter on ``<prefix>customer`` fields.

    Account managers see the customers assigned to them; roles holding
    ``view_unit_customers`` (supervisors, service desk, …) see their unit's subtree.
    """
    staff = getattr(user, "staff", None)
    if staff is None or not staff.is_active:
        return Q(pk__in=[])
    if user.has_perm(VIEW_UNIT_CUSTOMERS):
        return Q(**{f"{prefix}org_unit__path__startswith": staff.org_unit.path})
    return Q(**{f"{prefix}account_manager": staff})


class Customer(TrackedModel):
    """A key/group, government or individual customer of the province."""

    number = models.CharField(_("customer number"), max_length=20, unique=True)
    type = models.CharField(_("customer type"), max_length=16, choices=CustomerType.choices)
    name = models.CharField(_("name"), max_length=200)
    certificate_type = models.CharField(
        _("certificate type"), max_length=16, choices=CertificateType.choices, blank=True
    )
    certificate_no = models.CharField(_("certificate number"), max_length=18, blank=True)
    industry = models.CharField(
        _("industry"), max_length=1, choices=IndustrySection.choices, blank=True
    )
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(
        _("phone"), max_length=11, blank=True, validators=[validate_mainland_mobile]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    account_manager = models.ForeignKey(
        Staff,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="customers",
        help_text=_("The unit that serves the customer (the account manager's unit)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("group customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    level = models.CharField(
        _("level"), max_length=16, choices=CustomerLevel.choices, default=CustomerLevel.STANDARD
    )
    is_strategic = models.BooleanField(_("strategic customer"), default=False)
    credit_grade = models.CharField(_("credit grade"), max_length=4, blank=True)
    credit_limit = models.DecimalField(_("credit limit"), default=0, **MONEY)
    joined_on = models.DateField(_("customer since"))
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        editable=False,
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_unit_customers", _("Can see the customers of the whole own unit")),
            ("transfer_customer", _("Can transfer customers between account managers")),
            ("merge_customer", _("Can merge duplicate customers")),
            ("export_customer", _("Can export customers")),
            ("import_customer", _("Can import customers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_type", "certificate_no"],
                condition=~Q(certificate_no="") & Q(merged_into__isnull=True),
                name="%(app_label)s_%(class)s_unique_certificate",
                violation_error_message=_("Another customer already has this certificate."),
            ),
        ]
        indexes = [
            models.Index(fields=["account_manager", "-id"], name="cust_customer_manager"),
            models.Index(fields=["org_unit", "-id"], name="cust_customer_unit"),
            models.Index(fields=["phone"], name="cust_customer_phone"),
            models.Index(fields=["status", "level"], name="cust_customer_status_level"),
            # Name fragments are searched with icontains, i.e. UPPER(name) LIKE UPPER('%…%'):
            # the trigram index must be on the same expression to be used.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="cust_customer_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return customer_scope(user)


class CustomerOwned:
    """Mixin for rows that belong to one customer: visible exactly when the customer is
    (R9.2). Every app's customer-owned model uses it."""

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return customer_scope(user, prefix="customer__")


class ServedHere:
    """Mixin for rows that record service given here to someone who is not our customer (a
    visiting member of another province): visible to who served it and, for a supervisor,
    to what the own subtree served (R9.2). The model has ``created_by`` (TrackedModel)."""

    @classmethod
    def visibility_filter(cls, user) -> Q:
        staff = getattr(user, "staff", None)
        if staff is not None and user.has_perm(VIEW_UNIT_CUSTOMERS):
            return Q(created_by__staff__org_unit__path__startswith=staff.org_unit.path)
        return Q(created_by=user)


class Contact(CustomerOwned, TrackedModel):
    """A person at the customer: decision maker, finance, technical contact…"""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("full name"), max_length=64)
    role = models.CharField(_("role"), max_length=16, choices=ContactRole.choices)
    title = models.CharField(_("job title"), max_length=64, blank=True)
    mobile = models.CharField(
        _("mobile"), max_length=11, blank=True, validators=[validate_mainland_mobile]
    )
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["customer", "-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["mobile"], name="cust_contact_mobile")]

    def __str__(self) -> str:
        return self.name


class BillingAccount(CustomerOwned, TrackedModel):
    """An account the customer's bills are issued to and paid from."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="accounts"
    )
    number = models.CharField(_("account number"), max_length=24, unique=True)
    name = models.CharField(_("account name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class ProductInstance(CustomerOwned, TrackedModel):
    """A product a customer subscribes to (a line, a circuit, a cloud host…)."""

    # Foreign keys whose column leads a composite index below get no index of their own:
    # a second index only slows the bulk loads and runs.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="products",
        db_index=False,
    )
    account = models.ForeignKey(
        BillingAccount,
        verbose_name=_("billing account"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="instances"
    )
    service_number = models.CharField(_("service number"), max_length=32)
    monthly_fee = models.DecimalField(_("monthly fee"), **MONEY)
    activated_on = models.DateField(_("activated on"))
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["customer", "product", "service_number"]
        verbose_name = _("product instance")
        verbose_name_plural = _("product instances")
        indexes = [
            models.Index(fields=["customer", "product"], name="cust_productinst_customer"),
            models.Index(fields=["service_number"], name="cust_productinst_number"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.service_number}"

    @property
    def is_active(self) -> bool:
        return self.terminated_on is None


class Bill(CustomerOwned, TimeStampedModel):
    """One month's bill of one billing account (a billing-system fact; no edit history)."""

    # Both foreign keys lead a composite index below (see ProductInstance).
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="bills",
        db_index=False,
    )
    account = models.ForeignKey(
        BillingAccount,
        verbose_name=_("billing account"),
        on_delete=models.PROTECT,
        related_name="bills",
        db_index=False,
    )
    period = models.DateField(_("billing month"), help_text=_("First day of the month."))
    amount_due = models.DecimalField(_("amount due"), **MONEY)
    amount_paid = models.DecimalField(_("amount paid"), default=0, **MONEY)
    due_date = models.DateField(_("due date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BillStatus.choices, default=BillStatus.OPEN
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-period", "account"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period"],
                name="%(app_label)s_%(class)s_one_per_account_month",
                violation_error_message=_("This account already has a bill for this month."),
            ),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(amount_paid__gte=0),
                name="%(app_label)s_%(class)s_amounts_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["customer", "-period"], name="cust_bill_customer_period")]

    def __str__(self) -> str:
        return f"{self.account.number} {self.period:%Y-%m}"


class BillLine(TimeStampedModel):
    """The part of a bill for one product."""

    bill = models.ForeignKey(
        Bill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="bill_lines"
    )
    amount_due = models.DecimalField(_("amount due"), **MONEY)

    class Meta:
        ordering = ["bill", "product"]
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")

    def __str__(self) -> str:
        return f"{self.bill} {self.product}"


class Payment(CustomerOwned, TimeStampedModel):
    """Money received from a customer, usually against a bill."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,  # leads the (customer, -paid_on) index
    )
    account = models.ForeignKey(
        BillingAccount,
        verbose_name=_("billing account"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    bill = models.ForeignKey(
        Bill,
        verbose_name=_("bill"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=64, unique=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["customer", "-paid_on"], name="cust_payment_customer")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class BlacklistEntry(CustomerOwned, TrackedModel):
    """A customer put on the province's blacklist, and when and why it was lifted.

    A blacklisted customer may not redeem points (R2.4.4). At most one entry per customer
    is open (not lifted); lifted entries stay as the record.
    """

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="blacklist_entries",
    )
    reason = models.CharField(_("reason"), max_length=200)
    listed_at = models.DateTimeField(_("listed at"), default=timezone.now)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("listed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.CharField(_("reason for lifting"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-listed_at", "-id"]
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        permissions = [("manage_blacklist", _("Can put customers on and off the blacklist"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(lifted_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open_per_customer",
                violation_error_message=_("This customer is already blacklisted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.reason}"

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None


class CustomerMerge(models.Model):
    """One merge of a duplicate customer into a survivor, and what it moved (R2.1.2).

    ``moved`` maps ``"app_label.Model"`` to ``{relation field: [ids]}``: exactly the rows the
    merge re-pointed, so that a revert moves back those rows and no others.
    ``duplicate_status`` keeps the duplicate's status before it was set to churned.
    """

    survivor = models.ForeignKey(
        Customer,
        verbose_name=_("surviving customer"),
        on_delete=models.PROTECT,
        related_name="merges_received",
    )
    duplicate = models.ForeignKey(
        Customer,
        verbose_name=_("duplicate customer"),
        on_delete=models.PROTECT,
        related_name="merges_absorbed",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("merged at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    moved = models.JSONField(_("moved records"), default=dict)
    duplicate_status = models.CharField(
        _("status before the merge"), max_length=16, choices=CustomerStatus.choices
    )
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reverted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=models.F("duplicate")),
                name="%(app_label)s_%(class)s_not_into_itself",
                violation_error_message=_("A customer cannot be merged into itself."),
            ),
            models.UniqueConstraint(
                fields=["duplicate"],
                condition=Q(reverted_at__isnull=True),
                name="%(app_label)s_%(class)s_one_live_merge_per_duplicate",
                violation_error_message=_("This customer has already been merged."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duplicate} → {self.survivor}"

    @property
    def is_reverted(self) -> bool:
        return self.reverted_at is not None

    def moved_counts(self) -> dict[str, int]:
        """How many rows of each model the merge moved (for previews and the merge list)."""
        return {
            label: sum(len(ids) for ids in fields.values()) for label, fields in self.moved.items()
        }
