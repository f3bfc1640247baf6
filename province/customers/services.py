"""Business operations on the customer master (R2.1.1, R2.1.2).

One transaction each; they validate what the forms and serializers cannot know (the
certificate against its type, duplicates in the province, who may hand customers to whom)
and write the history rows through django-simple-history.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from province.customers.changes import customers_changed
from province.customers.choices import CertificateType, CustomerType
from province.customers.models import BlacklistEntry, Contact, Customer
from province.org.models import Staff
from shared.errors import Conflict
from shared.scoping import sees_everything
from shared.validators import (
    normalize_mobile,
    normalize_resident_id,
    normalize_uscc,
    validate_resident_id,
    validate_uscc,
)

CERTIFICATE_RULES = {
    CertificateType.USCC: (normalize_uscc, validate_uscc),
    CertificateType.RESIDENT_ID: (normalize_resident_id, validate_resident_id),
}
EDITABLE_FIELDS = {
    "type",
    "name",
    "certificate_type",
    "certificate_no",
    "industry",
    "city",
    "district",
    "address",
    "phone",
    "status",
    "account_manager",
    "parent",
    "is_strategic",
    "joined_on",
}


def _clean_certificate(fields: dict) -> None:
    number = (fields.get("certificate_no") or "").strip()
    kind = fields.get("certificate_type") or ""
    if not number:
        fields["certificate_no"] = fields["certificate_type"] = ""
        return
    if not kind:
        kind = (
            CertificateType.RESIDENT_ID
            if fields.get("type") == CustomerType.INDIVIDUAL
            else CertificateType.USCC
        )
    if fields.get("type") == CustomerType.INDIVIDUAL and kind != CertificateType.RESIDENT_ID:
        raise ValidationError(
            {"certificate_type": _("An individual is identified by a resident identity card.")}
        )
    if fields.get("type") != CustomerType.INDIVIDUAL and kind == CertificateType.RESIDENT_ID:
        raise ValidationError(
            {
                "certificate_type": _(
                    "An organisation is identified by its unified social credit code."
                )
            }
        )
    normalize, validate = CERTIFICATE_RULES[kind]
    number = normalize(number)
    try:
        validate(number)
    except ValidationError as exc:
        raise ValidationError({"certificate_no": exc.messages}) from exc
    fields["certificate_type"], fields["certificate_no"] = kind, number


def _check_duplicate_certificate(fields: dict, customer: Customer | None = None) -> None:
    if not fields.get("certificate_no"):
        return
    clash = Customer.objects.filter(
        certificate_type=fields["certificate_type"],
        certificate_no=fields["certificate_no"],
        merged_into__isnull=True,
    )
    if customer is not None:
        clash = clash.exclude(pk=customer.pk)
    existing = clash.first()
    if existing is not None:
        raise Conflict(
            _("Customer %(customer)s already has this certificate.") % {"customer": existing},
            code="duplicate_certificate",
            fields={
                "certificate_no": [
                    _("Already used by customer %(number)s.") % {"number": existing.number}
                ]
            },
            link=f"/customers/{existing.pk}/",
        )


def _check_manager(actor, manager: Staff | None) -> None:
    if manager is None:
        return
    if not manager.is_active:
        raise ValidationError({"account_manager": _("This staff member is no longer active.")})
    if actor is not None and not sees_everything(actor):
        visible = Staff.objects.visible_to(actor).filter(pk=manager.pk).exists()
        if not visible:
            raise ValidationError(
                {"account_manager": _("You may only assign managers within your own unit.")}
            )


def _check_parent(fields: dict, customer: Customer | None = None) -> None:
    parent = fields.get("parent")
    if parent is None:
        return
    if parent.type != CustomerType.GROUP:
        raise ValidationError({"parent": _("Only a group customer can have member companies.")})
    if customer is not None and (parent.pk == customer.pk or parent.parent_id == customer.pk):
        raise ValidationError({"parent": _("A customer cannot be a member of itself.")})


def _normalise(fields: dict) -> None:
    if fields.get("phone"):
        fields["phone"] = normalize_mobile(fields["phone"])
    if fields.get("name"):
        fields["name"] = fields["name"].strip()


def _reserve_id_and_number() -> tuple[int, str]:
    """The next id and the number made from it: province code + 10 digits (110000000042)."""
    prefix = getattr(connection.tenant, "code", "") or "00"
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('customers_customer', 'id'))")
        (value,) = cursor.fetchone()
    return value, f"{prefix}{value:010d}"


@transaction.atomic
def create_customer(*, actor=None, org_unit=None, number: str | None = None, **fields) -> Customer:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: _("Unknown field.") for field in unknown})
    _normalise(fields)
    _clean_certificate(fields)
    _check_duplicate_certificate(fields)
    _check_parent(fields)
    manager = fields.get("account_manager")
    _check_manager(actor, manager)
    if manager is not None:
        org_unit = manager.org_unit
    if org_unit is None:
        raise ValidationError({"account_manager": _("Choose the account manager.")})
    fields.setdefault("joined_on", timezone.localdate())  # the business day, Asia/Shanghai
    customer = Customer(org_unit=org_unit, number=number, **fields)
    if not number:
        customer.pk, customer.number = _reserve_id_and_number()
    if Customer.objects.filter(number=customer.number).exists():
        raise ValidationError({"number": _("This customer number is already used.")})
    customer.stamp(actor)
    customer.full_clean(validate_unique=False, validate_constraints=False)
    customer.save(force_insert=True)
    return customer


@transaction.atomic
def update_customer(customer: Customer, *, actor=None, **changes) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    fields = {name: getattr(customer, name) for name in EDITABLE_FIELDS} | changes
    _normalise(fields)
    if {"certificate_no", "certificate_type", "type"} & changes.keys():
        _clean_certificate(fields)
        _check_duplicate_certificate(fields, customer)
    _check_parent(fields, customer)
    if "account_manager" in changes and changes["account_manager"] != customer.account_manager:
        _check_manager(actor, changes["account_manager"])
        if changes["account_manager"] is not None:
            customer.org_unit = changes["account_manager"].org_unit
    changed = {name for name, value in fields.items() if getattr(customer, name) != value}
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.stamp(actor)
    customer.full_clean(validate_unique=False, validate_constraints=False)
    customer.save()
    # Copies elsewhere follow in this transaction (the club roster at HQ: R11.1).
    customers_changed([customer.pk], changed)
    return customer


@transaction.atomic
def transfer_customers(
    customer_ids: list[int], to_manager: Staff, *, actor, reason: str
) -> list[Customer]:
    """Hand customers to another account manager (R2.1.2); all of them or none."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the customers are transferred.")})
    _check_manager(actor, to_manager)
    # Lock in primary-key order so two transfers of overlapping sets cannot deadlock.
    customers = list(
        Customer.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=customer_ids)
        .order_by("pk")
    )
    missing = set(customer_ids) - {c.pk for c in customers}
    if missing:
        raise ValidationError(
            {
                "customers": _("%(count)d of the chosen customers are not yours to transfer.")
                % {"count": len(missing)}
            }
        )
    now = timezone.now()
    for customer in customers:
        customer.updated_at = now
        customer.account_manager = to_manager
        customer.org_unit = to_manager.org_unit
        customer.updated_by = actor
    bulk_update_with_history(
        customers,
        Customer,
        ["account_manager", "org_unit", "updated_by", "updated_at"],
        default_user=actor,
        default_change_reason=reason[:100],
    )
    return customers


@transaction.atomic
def save_contact(
    customer: Customer, *, actor=None, contact: Contact | None = None, **fields
) -> Contact:
    if fields.get("mobile"):
        fields["mobile"] = normalize_mobile(fields["mobile"])
    contact = contact or Contact(customer=customer)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.stamp(actor)
    contact.full_clean(exclude=["customer"])
    if contact.is_primary:
        customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(is_primary=False)
    contact.save()
    return contact


@transaction.atomic
def delete_customer(customer: Customer, *, actor=None) -> None:
    """Only a customer with nothing attached (a mistaken entry) may be deleted."""
    if customer.accounts.exists() or customer.members.exists():
        raise Conflict(
            _("The customer has billing accounts or member companies; set it to churned instead.")
        )
    customer.stamp(actor)
    customer.delete()


# --- blacklist (R2.4.4: blacklisted customers may not redeem points) ----------------------


@transaction.atomic
def blacklist_customer(customer: Customer, *, actor, reason: str) -> BlacklistEntry:
    """Put ``customer`` on the blacklist with a reason; Conflict if already on it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the customer is blacklisted.")})
    # Lock the customer so that two concurrent listings queue; the partial unique index
    # would refuse the second anyway, but a Conflict reads better than an IntegrityError.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if BlacklistEntry.objects.filter(customer=customer, lifted_at__isnull=True).exists():
        raise Conflict(_("This customer is already blacklisted."), code="already_blacklisted")
    entry = BlacklistEntry(
        customer=customer, reason=reason[:200], listed_at=timezone.now(), listed_by=actor
    )
    entry.stamp(actor)
    entry.save()
    return entry


@transaction.atomic
def lift_blacklist(customer: Customer, *, actor, reason: str) -> BlacklistEntry:
    """Take ``customer`` off the blacklist, saying why; Conflict if not on it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"lift_reason": _("Say why the blacklisting is lifted.")})
    entry = (
        BlacklistEntry.objects.select_for_update()
        .filter(customer=customer, lifted_at__isnull=True)
        .first()
    )
    if entry is None:
        raise Conflict(_("This customer is not blacklisted."), code="not_blacklisted")
    entry.lifted_at = timezone.now()
    entry.lifted_by = actor
    entry.lift_reason = reason[:200]
    entry.stamp(actor)
    entry.save()
    return entry
