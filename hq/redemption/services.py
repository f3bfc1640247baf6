"""HQ's side of national redemption (R6.5.3, R2.4.9; docs/national-redemption.md).

HQ keeps the national catalogue and publishes it (``catalog.national``), and routes every
national redemption: the serving province's request is recorded and forwarded to the
member's home province, whose ledger holds the points; its outcome goes back to the serving
province; the serving desk's commit goes to the home province for capture; the capture
commits the redemption and makes it a settlement line, and sends the month's settlement
to the two provinces concerned (``redemption.settlement``). A beat task releases what is
not committed in time. HQ never touches a ledger: it only routes and records.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

import sync
from hq.club.choices import MemberStatus
from hq.club.models import ClubMember
from hq.redemption import selectors
from hq.redemption.choices import NationalRedemptionStatus as Status
from hq.redemption.models import NationalCatalogVersion, NationalRedemption, NationalRewardItem
from shared.errors import Conflict
from shared.vocab.club import LATE_HANDOVER
from sync import directory

ITEM_FIELDS = ("code", "name_zh", "name_en", "kind", "points_price", "unit_cost", "is_active")


def _username(actor) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return ""


@transaction.atomic
def save_item(item: NationalRewardItem | None = None, *, actor, **fields) -> NationalRewardItem:
    """Create or edit a national item; provinces see it after the next publication."""
    item = item or NationalRewardItem()
    if item.pk and "code" in fields and fields["code"] != item.code:
        raise ValidationError({"code": _("The code of a published item cannot change.")})
    for name, value in fields.items():
        setattr(item, name, value)
    item.changed_by = _username(actor)
    item.full_clean()
    item.save()
    return item


def catalog_content(version: int) -> dict:
    return {
        "version": version,
        "items": [
            {
                "code": item.code,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "kind": item.kind,
                "points_price": item.points_price,
                "unit_cost": str(item.unit_cost),
                "is_active": item.is_active,
            }
            for item in NationalRewardItem.objects.order_by("code")
        ],
    }


@transaction.atomic
def publish_catalog(*, actor) -> NationalCatalogVersion:
    """Freeze the catalogue as the next version and send it to every active province."""
    # One publisher at a time: the version number is max + 1 under a table lock.
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {NationalCatalogVersion._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
        )
    if not NationalRewardItem.objects.filter(is_active=True).exists():
        raise Conflict(_("Define at least one active item before publishing."), code="no_items")
    latest = NationalCatalogVersion.objects.aggregate(v=Max("version"))["v"] or 0
    content = catalog_content(latest + 1)
    targets = [m.schema_name for m in directory.provinces() if m.is_active]
    for schema in targets:
        sync.publish("catalog.national", key="catalog", payload=content, to=schema)
    return NationalCatalogVersion.objects.create(
        version=latest + 1, content=content, provinces=targets, published_by=_username(actor)
    )


def latest_version() -> NationalCatalogVersion | None:
    return NationalCatalogVersion.objects.order_by("-version").first()


# --- the saga ---------------------------------------------------------------------------------


def _reply(redemption: NationalRedemption, status: str, reason: str = "") -> None:
    sync.publish(
        "redemption.national.reply",
        key=str(redemption.request_id),
        payload={"request_id": str(redemption.request_id), "status": status, "reason": reason},
        to=redemption.serving_province,
    )


def _step(redemption: NationalRedemption, topic: str, reason: str = "") -> None:
    sync.publish(
        topic,
        key=str(redemption.request_id),
        payload={"request_id": str(redemption.request_id), "status": "", "reason": reason},
        to=redemption.home_province,
    )


def _refusal(payload: dict) -> str:
    """Why HQ answers the request itself, without troubling the home province ("" if not)."""
    member = ClubMember.objects.filter(card_number=payload["card_number"]).first()
    if member is None or member.status != MemberStatus.ACTIVE:
        return "not_active"
    if member.home_province != payload["home_province"]:
        return "wrong_home"
    item = NationalRewardItem.objects.filter(code=payload["item"], is_active=True).first()
    if item is None:
        return "unknown_item"
    # The serving desk quoted its copy of the catalogue; HQ's current one is authoritative.
    if item.points_price * payload["quantity"] != payload["points"] or item.unit_cost != Decimal(
        payload["unit_cost"]
    ):
        return "catalog_changed"
    return ""


@transaction.atomic
def route_request(source: str, payload: dict) -> NationalRedemption:
    """Record a serving province's request and forward it to the home province (R6.5.3);
    the same request id again keeps the first record and answer."""
    unit_cost = Decimal(payload["unit_cost"])
    redemption, created = NationalRedemption.objects.get_or_create(
        request_id=payload["request_id"],
        defaults={
            "card_number": payload["card_number"],
            "serving_province": source,
            "home_province": payload["home_province"],
            "item": payload["item"],
            "quantity": payload["quantity"],
            "points": payload["points"],
            "unit_cost": unit_cost,
            "cost": unit_cost * payload["quantity"],
            "status": Status.FORWARDED,
        },
    )
    if not created:
        return redemption
    refusal = _refusal(payload)
    if refusal:
        redemption.status, redemption.reason = Status.REJECTED, refusal
        redemption.answered_at = timezone.now()
        redemption.save(update_fields=["status", "reason", "answered_at"])
        _reply(redemption, "rejected", refusal)
        return redemption
    sync.publish(
        "redemption.national.reserve",
        key=str(redemption.request_id),
        payload={**payload, "serving_province": source},
        to=redemption.home_province,
    )
    return redemption


def _locked(request_id, **match) -> NationalRedemption:
    redemption = (
        NationalRedemption.objects.select_for_update()
        .filter(request_id=request_id, **match)
        .first()
    )
    if redemption is None:
        raise LookupError(f"No national redemption {request_id} from {match}")
    return redemption


@transaction.atomic
def apply_outcome(source: str, payload: dict) -> NationalRedemption:
    """The home province's ledger answered: held, rejected, captured or released (or, for a
    late hand-over, rejected: the points could not be taken)."""
    redemption = _locked(payload["request_id"], home_province=source)
    outcome, now = payload["status"], timezone.now()
    if outcome == "held" and redemption.status == Status.FORWARDED:
        redemption.status, redemption.answered_at = Status.RESERVED, now
        redemption.save(update_fields=["status", "answered_at"])
        _reply(redemption, "reserved")
    elif outcome == "rejected" and redemption.status == Status.FORWARDED:
        redemption.status, redemption.reason = Status.REJECTED, payload["reason"]
        redemption.answered_at = now
        redemption.save(update_fields=["status", "reason", "answered_at"])
        _reply(redemption, "rejected", payload["reason"])
    elif outcome == "rejected" and redemption.status == Status.COMMITTING:
        # A late hand-over whose points the home province could no longer take.
        redemption.status, redemption.reason = Status.UNPAID, payload["reason"]
        redemption.answered_at = now
        redemption.save(update_fields=["status", "reason", "answered_at"])
        _reply(redemption, "unpaid", payload["reason"])
    elif outcome == "captured" and redemption.status == Status.COMMITTING:
        redemption.status, redemption.committed_at = Status.COMMITTED, now
        redemption.settlement_month = timezone.localdate(now).replace(day=1)
        redemption.save(update_fields=["status", "committed_at", "settlement_month"])
        _reply(redemption, "completed")
        publish_settlement(
            redemption.settlement_month,
            [redemption.home_province, redemption.serving_province],
        )
    elif outcome == "released" and redemption.release_confirmed_at is None:
        redemption.release_confirmed_at = now
        redemption.save(update_fields=["release_confirmed_at"])
    # Anything else is a repeat or arrives after a timeout (a "held" after the release was
    # sent: the home province applies the release too, whichever comes first).
    return redemption


@transaction.atomic
def route_commit(source: str, payload: dict) -> NationalRedemption:
    """The serving desk handed the item over: have the home province capture the points.

    A hand-over that reaches HQ after the timeout released the hold (the desk confirmed in
    time, the message came late: a queue backlog, HQ down) still happened: the item is
    gone. HQ then asks the home province for a **late capture** (``late_handover``): the
    points are taken if the member still has them, and the redemption is settled as any
    other; if not, it ends ``unpaid`` for HQ's staff to follow up."""
    redemption = _locked(payload["request_id"], serving_province=source)
    if redemption.status in (Status.RESERVED, Status.RELEASED):
        late = redemption.status == Status.RELEASED
        redemption.status = Status.COMMITTING
        redemption.save(update_fields=["status"])
        _step(redemption, "redemption.national.capture", LATE_HANDOVER if late else "")
    return redemption


def timeout() -> timedelta:
    return timedelta(seconds=settings.NATIONAL_REDEMPTION_TIMEOUT_SECONDS)


def release_overdue(now=None) -> int:
    """Release every redemption not committed within the timeout (R6.5.3): the home
    province releases the hold (or, if it never saw the request, refuses a late one), and
    the serving province's screen says it timed out. One transaction per redemption, rows
    another run is releasing are skipped, so two beats never release twice."""
    cutoff = (now or timezone.now()) - timeout()
    overdue = NationalRedemption.objects.filter(
        status__in=[Status.FORWARDED, Status.RESERVED], requested_at__lt=cutoff
    ).values_list("pk", flat=True)
    released = 0
    for pk in list(overdue):
        with transaction.atomic():
            redemption = (
                NationalRedemption.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status__in=[Status.FORWARDED, Status.RESERVED])
                .first()
            )
            if redemption is None:
                continue
            redemption.status, redemption.reason = Status.RELEASED, "timed_out"
            redemption.released_at = timezone.now()
            redemption.save(update_fields=["status", "reason", "released_at"])
            _step(redemption, "redemption.national.release", "timed_out")
            _reply(redemption, "timed_out", "timed_out")
            released += 1
    return released


# --- the settlement, sent down (R2.4.9) --------------------------------------------------------


def _settlement_lock(month: date, province: str) -> None:
    """Serialise the settlement messages of one month and province: a transaction that
    publishes reads the month after the previous publisher committed (READ COMMITTED: each
    statement sees what committed before it), and its message gets the higher outbox id,
    the version the province keeps. Without it, two captures committing at once could each
    send a month that lacks the other's line, and the later-numbered one would win."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"hqredemption.settlement:{month:%Y-%m}:{province}"],
        )


@transaction.atomic
def publish_settlement(month: date, provinces: list[str] | None = None) -> int:
    """Send ``month``'s settlement lines to each province they concern (all of the month's
    provinces when ``provinces`` is None): every line in which it owes or is owed, the
    month whole, key = the month (R2.4.9). Called when a redemption commits (the month's
    figures changed) and by ``manage.py publish_settlement`` to send a month again."""
    month = month.replace(day=1)
    if provinces is None:
        whole = selectors.settlement(month)
        provinces = [*whole.homes, *whole.servings]
    provinces = sorted(set(provinces))
    for province in provinces:  # always in this order: publishers queue, never deadlock
        _settlement_lock(month, province)
    produced_at = timezone.now()
    for province in provinces:
        lines = selectors.settlement(month, province=province)
        sync.publish(
            "redemption.settlement",
            key=f"{month:%Y-%m}",
            payload={
                "month": f"{month:%Y-%m}",
                "produced_at": produced_at,
                "lines": [
                    {
                        "home_province": home,
                        "serving_province": serving,
                        "amount": str(amount),
                        "redemptions": count,
                        "points": points,
                    }
                    for (home, serving), (amount, count, points) in sorted(lines.cells.items())
                ],
            },
            to=province,
        )
    return len(provinces)
