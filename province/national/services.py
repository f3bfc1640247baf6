"""National redemption in a province (R6.5.3, R2.4.9; docs/national-redemption.md).

Two roles, both in every province:

- **Serving province**: a member of another province redeems national catalogue points
  here. ``request_redemption`` records a pending ``VisitingRedemption`` and asks HQ
  (``redemption.national.request``); HQ's replies move it to reserved/rejected, and after
  the desk hands the item over (``fulfil``, ``redemption.national.commit``) to completed —
  or to timed out when the home province does not answer in time.
- **Home province**: the member's points live here, in this province's ledger, the only
  authority on balances. ``reserve`` places a ledger hold, ``capture`` turns it into a
  redemption debit, ``release`` gives it back; each answers HQ
  (``redemption.national.outcome``). One ``NationalHold`` row per request id makes every
  step idempotent, and a release that comes first leaves a row that refuses a late hold.

Both roles also keep HQ's inter-province settlement lines that concern this province
(``apply_settlement``, topic ``redemption.settlement``, R2.4.9): the points cost page reads
them, never HQ's tables.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import sync
from province.club.choices import MembershipStatus
from province.club.models import ClubMembership
from province.customers.choices import CustomerStatus
from province.loyalty import ledger
from province.loyalty.redemption import customer_standing
from province.national.choices import HoldStatus, VisitingRedemptionStatus
from province.national.models import (
    NationalHold,
    NationalItem,
    SettlementLine,
    VisitingRedemption,
)
from shared.errors import Conflict
from shared.vocab.club import LATE_HANDOVER
from sync import directory

HQ = directory.hq_schema()
Status = VisitingRedemptionStatus
MAX_KEY_LENGTH = 90  # as the points counter's keys (province/loyalty/redemption.py)


# --- the national catalogue (from HQ) --------------------------------------------------------


@transaction.atomic
def apply_catalog(payload: dict) -> int:
    """Store a catalogue version (topic ``catalog.national``); an older one changes nothing.
    Items missing from the version are deactivated, never deleted (history refers to them)."""
    version = payload["version"]
    current = NationalItem.objects.order_by("-version").values_list("version", flat=True).first()
    if current is not None and current > version:
        return 0
    codes = []
    for item in payload["items"]:
        codes.append(item["code"])
        NationalItem.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_zh": item["name_zh"],
                "name_en": item["name_en"],
                "kind": item["kind"],
                "points_price": item["points_price"],
                "unit_cost": Decimal(item["unit_cost"]),
                "is_active": item["is_active"],
                "version": version,
            },
        )
    NationalItem.objects.exclude(code__in=codes).update(is_active=False, version=version)
    return len(codes)


def catalog_version() -> int | None:
    return NationalItem.objects.order_by("-version").values_list("version", flat=True).first()


# --- serving province ------------------------------------------------------------------------


@transaction.atomic
def request_redemption(
    entry: directory.DirectoryEntry,
    item_code: str,
    quantity: int,
    *,
    actor,
    idempotency_key: str = "",
) -> VisitingRedemption:
    """A visiting member (found in HQ's directory) redeems ``quantity`` × a national item
    here. Nothing is handed over yet: the home province must first reserve the points."""
    if entry.home_province == connection.schema_name:
        raise ValidationError(
            {"card_number": _("This is a member of this province: redeem at the points counter.")}
        )
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("The quantity is at least 1.")})
    item = NationalItem.objects.filter(code=item_code, is_active=True).first()
    if item is None:
        raise ValidationError({"item": _("Choose an item of the national catalogue.")})
    redemption = VisitingRedemption(
        request_id=uuid.uuid4(),
        idempotency_key=idempotency_key,
        card_number=entry.card_number,
        home_province=entry.home_province,
        name_masked=entry.name_masked,
        item=item.code,
        item_name=item.name_en if translation_is_english() else item.name_zh,
        quantity=quantity,
        points=item.points_price * quantity,
        unit_cost=item.unit_cost,
        catalog_version=item.version,
    )
    redemption.stamp(actor)
    redemption.save()
    sync.publish(
        "redemption.national.request",
        key=str(redemption.request_id),
        payload={
            "request_id": str(redemption.request_id),
            "card_number": redemption.card_number,
            "serving_province": connection.schema_name,
            "home_province": redemption.home_province,
            "item": item.code,
            "quantity": quantity,
            "points": redemption.points,
            "unit_cost": str(item.unit_cost),
            "catalog_version": item.version,
        },
        to=HQ,
    )
    return redemption


def _check_key(key) -> str:
    key = key.strip() if isinstance(key, str) else ""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            {
                "idempotency_key": _("Give an idempotency key of 1–%(max)d characters.")
                % {"max": MAX_KEY_LENGTH}
            }
        )
    return key


def _earlier(key: str, entry, item_code: str, quantity) -> VisitingRedemption | None:
    """The request already made with ``key``; Conflict if it was for something else."""
    found = VisitingRedemption.objects.filter(idempotency_key=key).first()
    if found is not None and (found.card_number, found.item, found.quantity) != (
        entry.card_number,
        item_code,
        quantity,
    ):
        raise Conflict(
            _("This idempotency key was already used for another redemption."),
            code="idempotency_key_reused",
            fields={"idempotency_key": [key]},
        )
    return found


def request_redemption_once(
    entry: directory.DirectoryEntry,
    item_code: str,
    quantity: int,
    *,
    actor,
    idempotency_key: str,
) -> tuple[VisitingRedemption, bool]:
    """``request_redemption`` with a client's idempotency key (required): a retry with the
    same key returns the first request and asks HQ nothing (False: not made now); the same
    key for another card, item or quantity is a Conflict."""
    key = _check_key(idempotency_key)
    found = _earlier(key, entry, item_code, quantity)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            made = request_redemption(entry, item_code, quantity, actor=actor, idempotency_key=key)
            return made, True
    except IntegrityError:
        # The same key, sent twice at the same moment: the other request won the race.
        found = _earlier(key, entry, item_code, quantity)
        if found is None:
            raise
        return found, False


def translation_is_english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def fulfil(redemption: VisitingRedemption, *, actor) -> VisitingRedemption:
    """The desk has handed the item over: ask HQ to have the home province capture the
    held points. Only a reservation still within its time may be fulfilled (HQ releases it
    after ``NATIONAL_REDEMPTION_TIMEOUT_SECONDS``; the margin keeps the desk from handing
    over an item whose points are being released)."""
    with transaction.atomic():
        locked = VisitingRedemption.objects.select_for_update().get(pk=redemption.pk)
        if locked.status in (Status.FULFILLED, Status.COMPLETED):
            return locked  # a double click confirms once
        if locked.status != Status.RESERVED:
            raise Conflict(
                _("Only a redemption whose points are reserved can be handed over."),
                code="not_reserved",
            )
        margin = timedelta(seconds=settings.NATIONAL_REDEMPTION_TIMEOUT_SECONDS * 0.9)
        if timezone.now() > locked.created_at + margin:
            raise Conflict(
                _("The reservation is about to time out: start a new redemption."),
                code="reservation_expiring",
            )
        locked.status = Status.FULFILLED
        locked.fulfilled_at = timezone.now()
        locked.stamp(actor)
        locked.save(update_fields=["status", "fulfilled_at", "updated_at", "updated_by"])
        sync.publish(
            "redemption.national.commit",
            key=str(locked.request_id),
            payload={"request_id": str(locked.request_id), "status": "commit", "reason": ""},
            to=HQ,
        )
        return locked


# Which reply may move which state: a reply never moves a redemption backwards (replies of
# one request are versioned, but a retried old one must still be harmless).
_REPLY_MOVES = {
    "reserved": {Status.PENDING: Status.RESERVED},
    "rejected": {Status.PENDING: Status.REJECTED},
    "completed": {
        Status.PENDING: Status.COMPLETED,
        Status.RESERVED: Status.COMPLETED,
        Status.FULFILLED: Status.COMPLETED,
    },
    # Not a handed-over one: its hand-over is on its way to HQ, which then asks the home
    # province for a late capture and answers "completed" or "unpaid".
    "timed_out": {Status.PENDING: Status.TIMED_OUT, Status.RESERVED: Status.TIMED_OUT},
    "unpaid": {Status.FULFILLED: Status.UNPAID},
}


@transaction.atomic
def apply_reply(payload: dict) -> VisitingRedemption:
    """Serving province: HQ's word on our request (reserved, rejected, completed, timed out)."""
    redemption = (
        VisitingRedemption.objects.select_for_update()
        .filter(request_id=payload["request_id"])
        .first()
    )
    if redemption is None:
        raise LookupError(f"No visiting redemption {payload['request_id']} here")
    target = _REPLY_MOVES.get(payload["status"], {}).get(redemption.status)
    if target is not None:
        redemption.status = target
        redemption.reason = payload.get("reason", "")
        redemption.answered_at = timezone.now()
        redemption.save(update_fields=["status", "reason", "answered_at", "updated_at"])
    return redemption


# --- home province ---------------------------------------------------------------------------


def _outcome(hold: NationalHold) -> None:
    sync.publish(
        "redemption.national.outcome",
        key=str(hold.request_id),
        payload={"request_id": str(hold.request_id), "status": hold.status, "reason": hold.reason},
        to=HQ,
    )


def _locked_hold(request_id, **defaults) -> tuple[NationalHold, bool]:
    """The request's row, created if missing, locked until the transaction ends: reserve,
    capture and release of one request run one after the other even on two workers."""
    _, created = NationalHold.objects.get_or_create(request_id=request_id, defaults=defaults)
    return NationalHold.objects.select_for_update().get(request_id=request_id), created


def _rejection(membership: ClubMembership | None, points: int) -> tuple[str, object]:
    """The reason code refusing a hold of ``points``, or "" (the customer otherwise)."""
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return "not_active", None
    customer = membership.customer
    if customer.status != CustomerStatus.ACTIVE or customer.merged_into_id is not None:
        return "customer_inactive", customer
    standing = customer_standing(customer)
    if standing.blacklist_reason is not None:
        return "blacklisted", customer
    if standing.arrears > 0:
        return "arrears", customer
    return "", customer


@transaction.atomic
def reserve(payload: dict) -> NationalHold:
    """Home province: hold the member's points for a national redemption (topic
    ``redemption.national.reserve``), once per request id, and answer HQ."""
    hold, created = _locked_hold(
        payload["request_id"],
        card_number=payload["card_number"],
        serving_province=payload["serving_province"],
        item=payload["item"],
        quantity=payload["quantity"],
        points=payload["points"],
        status=HoldStatus.REJECTED,  # decided below, in this same transaction
    )
    if not created:
        # Already decided (or released before we got here): repeat the answer, hold nothing.
        _outcome(hold)
        return hold
    membership = (
        ClubMembership.objects.select_related("customer")
        .filter(card_number=payload["card_number"])
        .first()
    )
    reason, customer = _rejection(membership, payload["points"])
    hold.customer = customer
    if not reason:
        try:
            with transaction.atomic():  # a refusal rolls back to here: no hold is written
                hold.hold_entry = ledger.hold(
                    customer,
                    payload["points"],
                    idempotency_key=f"national:{hold.request_id}:hold",
                    reference=f"national:{hold.request_id}",
                    note=f"{payload['item']} × {payload['quantity']} @ {hold.serving_province}",
                )
        except Conflict as exc:
            reason = "insufficient_points" if exc.code == "insufficient_points" else exc.code
    hold.status = HoldStatus.REJECTED if reason else HoldStatus.HELD
    hold.reason = reason
    hold.save()
    _outcome(hold)
    return hold


@transaction.atomic
def capture(payload: dict) -> NationalHold:
    """Home province: the item was handed over, turn the hold into a redemption debit."""
    hold = NationalHold.objects.select_for_update().filter(request_id=payload["request_id"]).first()
    if hold is None:  # HQ asks for a capture only after our "held": fail and be retried
        raise LookupError(f"No national hold {payload['request_id']} here")
    if hold.status == HoldStatus.HELD:
        ledger.capture(
            hold.hold_entry,
            idempotency_key=f"national:{hold.request_id}:capture",
            note=f"{hold.item} × {hold.quantity} @ {hold.serving_province}",
        )
        hold.status = HoldStatus.CAPTURED
        hold.save(update_fields=["status", "updated_at"])
    elif hold.status == HoldStatus.RELEASED and payload.get("reason") == LATE_HANDOVER:
        _capture_late(hold)
    _outcome(hold)
    return hold


def _capture_late(hold: NationalHold) -> None:
    """The item was handed over in time but the hand-over reached HQ after the timeout
    released the hold: take the points now if the member still has them (a new hold,
    captured at once), else record the refusal; HQ then settles or marks it unpaid. No
    eligibility check: the item is already gone, only the points are in question."""
    reason = "" if hold.customer_id else "not_active"
    if not reason:
        note = f"{hold.item} × {hold.quantity} @ {hold.serving_province} (late hand-over)"
        try:
            with transaction.atomic():  # a refusal rolls back to here: nothing is written
                entry = ledger.hold(
                    hold.customer,
                    hold.points,
                    idempotency_key=f"national:{hold.request_id}:late-hold",
                    reference=f"national:{hold.request_id}",
                    note=note,
                )
                ledger.capture(
                    entry, idempotency_key=f"national:{hold.request_id}:capture", note=note
                )
                hold.hold_entry = entry
        except Conflict as exc:
            reason = exc.code
    hold.status = HoldStatus.REJECTED if reason else HoldStatus.CAPTURED
    hold.reason = reason
    hold.save(update_fields=["status", "reason", "hold_entry", "updated_at"])


@transaction.atomic
def release(payload: dict) -> NationalHold:
    """Home province: give the held points back (timeout). Before any reserve request, the
    row is written as released so that the late request places no hold."""
    hold, created = _locked_hold(
        payload["request_id"],
        card_number="",
        status=HoldStatus.RELEASED,
        reason=payload.get("reason", "") or "timed_out",
    )
    if not created and hold.status == HoldStatus.HELD:
        ledger.release(
            hold.hold_entry,
            idempotency_key=f"national:{hold.request_id}:release",
            note="national redemption timed out",
        )
        hold.status = HoldStatus.RELEASED
        hold.reason = payload.get("reason", "") or "timed_out"
        hold.save(update_fields=["status", "reason", "updated_at"])
    _outcome(hold)
    return hold


# --- the inter-province settlement (from HQ) -------------------------------------------------


@transaction.atomic
def apply_settlement(payload: dict) -> int:
    """Store HQ's settlement lines of one month that concern this province (topic
    ``redemption.settlement``, key = the month, R2.4.9). HQ sends a month whole each time
    it changes, so its lines replace what was stored; the inbox skips stale versions."""
    year, month = (int(part) for part in payload["month"].split("-"))
    first_day = date(year, month, 1)
    produced_at = parse_datetime(payload["produced_at"])
    SettlementLine.objects.filter(month=first_day).delete()
    SettlementLine.objects.bulk_create(
        SettlementLine(
            month=first_day,
            home_province=line["home_province"],
            serving_province=line["serving_province"],
            amount=Decimal(line["amount"]),
            redemptions=line["redemptions"],
            points=line["points"],
            produced_at=produced_at,
        )
        for line in payload["lines"]
    )
    return len(payload["lines"])
