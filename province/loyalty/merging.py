"""Points on a customer merge (R2.1.2, R2.4.1): the loyalty app's ``MergeHandler``.

A customer has one ``PointsAccount`` (its balance is the sum of its entries), so the generic
re-pointing of ``province.customers.merging`` cannot move it. Here, inside the merge's
transaction: the duplicate's entries and lots are re-pointed to the survivor, its balance
and held points are added to the survivor's account, and its account row is removed. The
ledger invariant holds for both customers afterwards (the survivor's entries and lots now
include the duplicate's; the duplicate has none).

The revert moves the recorded entries and lots back and takes their open remainders and
holds off the survivor's account. That is exact only if the survivor's ledger has not
touched them since: a revert is refused (409) when any moved lot was consumed, expired or
extended since the merge, or a moved entry was reversed or its hold settled, or the
survivor's held points would exceed what it keeps. Expiry notices stay with the duplicate
(they record warnings about it; the next notice run warns the survivor of the points it
now holds).
"""

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from province.customers.merging import MergeHandler
from province.loyalty import ledger
from province.loyalty.choices import HOLD_KINDS
from province.loyalty.models import (
    LotExtension,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsLot,
)
from province.loyalty.services import BATCH_LOCK_SQL
from shared.errors import Conflict

ENTRIES = "loyalty.PointsEntry"
LOTS = "loyalty.PointsLot"
ACCOUNTS = "loyalty.PointsAccount"
EXTENSIONS = "loyalty.LotExtension"


def _batch_lock() -> None:
    # The accrual and expiry chunks write many accounts under this lock; waiting for it
    # keeps a chunk from posting to the duplicate while its entries move.
    with connection.cursor() as cursor:
        cursor.execute(BATCH_LOCK_SQL)


def lock_points(customer_ids: list[int]) -> None:
    """The accounts of both customers, in id order (the ledger's lock comes first)."""
    _batch_lock()
    list(
        PointsAccount.objects.select_for_update()
        .filter(customer_id__in=customer_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def merge_points(survivor, duplicate, *, actor) -> dict[str, dict[str, list[int]]]:
    """Fold the duplicate's points into the survivor's account (see the module)."""
    source = PointsAccount.objects.filter(customer=duplicate).first()
    entries = list(
        PointsEntry.objects.filter(customer=duplicate).order_by("pk").values_list("pk", flat=True)
    )
    lots = list(
        PointsLot.objects.filter(customer=duplicate).order_by("pk").values_list("pk", flat=True)
    )
    if source is None and not entries:
        return {}
    target = ledger.lock_account(survivor.pk)
    PointsEntry.objects.filter(pk__in=entries).update(customer=survivor)
    PointsLot.objects.filter(pk__in=lots).update(customer=survivor)
    moved = {ENTRIES: {"customer": entries}, LOTS: {"customer": lots}}
    if source is not None:
        target.balance += source.balance
        target.held += source.held
        ledger._save_account(target)
        source.delete()
        moved[ACCOUNTS] = {"customer": [source.pk]}
    return moved


def _refuse(reason: str) -> Conflict:
    return Conflict(
        _("The points cannot be moved back exactly: %(reason)s Undo that first.")
        % {"reason": reason},
        code="points_changed_since",
    )


def revert_points(survivor, duplicate, moved, *, actor) -> None:
    """Give the duplicate back its entries, lots, balance and holds, or refuse (409)."""
    entries = moved.get(ENTRIES, {}).get("customer", [])
    lots = moved.get(LOTS, {}).get("customer", [])
    if not entries and not lots:
        return
    target = ledger.lock_account(survivor.pk)
    if PointsEntry.objects.filter(pk__in=entries).exclude(customer=survivor).exists() or (
        PointsLot.objects.filter(pk__in=lots).exclude(customer=survivor).exists()
    ):
        raise _refuse(_("some of the points moved on to another customer."))
    if PointsAllocation.objects.filter(lot_id__in=lots).exclude(entry_id__in=entries).exists():
        raise _refuse(_("points of the merged customer were used since the merge."))
    if (
        PointsEntry.objects.filter(customer=survivor, reference__in=[f"lot:{i}" for i in lots])
        .exclude(pk__in=entries)
        .exists()
    ):
        raise _refuse(_("points of the merged customer expired since the merge."))
    if (
        PointsEntry.objects.exclude(pk__in=entries)
        .filter(customer=survivor)
        .filter(reverses_id__in=entries)
        .exists()
        or PointsEntry.objects.exclude(pk__in=entries)
        .filter(customer=survivor, settles_id__in=entries)
        .exists()
    ):
        raise _refuse(_("entries of the merged customer were reversed or settled since."))
    moved_extensions = moved.get(EXTENSIONS, {}).get("customer", [])
    if LotExtension.objects.filter(lot_id__in=lots).exclude(pk__in=moved_extensions).exists():
        raise _refuse(_("points of the merged customer were extended since the merge."))
    balance = (
        PointsLot.objects.filter(pk__in=lots, expired=False).aggregate(s=Sum("remaining"))["s"] or 0
    )
    held = -(
        PointsEntry.objects.filter(pk__in=entries, kind__in=HOLD_KINDS).aggregate(s=Sum("points"))[
            "s"
        ]
        or 0
    )
    if target.balance - balance < target.held - held:
        raise _refuse(_("the surviving customer's held points need them."))
    target.balance -= balance
    target.held -= held
    ledger._save_account(target)
    source = ledger.lock_account(duplicate.pk)
    PointsEntry.objects.filter(pk__in=entries).update(customer=duplicate)
    PointsLot.objects.filter(pk__in=lots).update(customer=duplicate)
    source.balance += balance
    source.held += held
    ledger._save_account(source)


POINTS_MERGE_HANDLER = MergeHandler(
    relations=frozenset(
        {
            (ENTRIES, "customer"),
            (LOTS, "customer"),
            (ACCOUNTS, "customer"),
            ("loyalty.ExpiryNotice", "customer"),
        }
    ),
    lock=lock_points,
    merge=merge_points,
    revert=revert_points,
)
