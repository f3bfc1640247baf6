"""Merging duplicate customers, and undoing a merge (R2.1.2).

A merge re-points every row that refers to the duplicate so that it refers to the survivor,
marks the duplicate as merged (``merged_into``, status churned) and records exactly which
rows moved (``CustomerMerge.moved``); a revert moves those rows, and only those, back.

The relations are discovered from ``Customer._meta`` at run time, hidden ones
(``related_name="+"``) included, so rows of apps added later (levels, credit, analysis, …)
move too without this module knowing them. Left alone: the history tables (they describe
the past), the ``merged_into`` self-relation and the merge records themselves.
A row that cannot move because the survivor already holds an equivalent one (a one-to-one
relation, a unique constraint such as "one live membership card") stops the whole merge
with a ``Conflict`` naming the kind of record: that app's data must be tidied first.

An app whose rows cannot simply be re-pointed (a per-customer balance to be added up, say)
registers a ``MergeHandler`` (``register_merge_handler``, from its ``AppConfig.ready``): the
generic move then leaves the handler's relations alone, and the handler moves them itself
inside the merge's transaction, records what it moved in ``CustomerMerge.moved`` and puts
it back on revert (or refuses the revert). This module never imports those apps.
After a merge or revert, ``changes.customers_changed`` tells apps that keep copies of
customer data elsewhere (the club roster at HQ) that rows changed hands.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from province.customers.changes import ANY_FIELD, customers_changed
from province.customers.choices import CustomerStatus, CustomerType
from province.customers.models import Customer, CustomerMerge
from shared.errors import Conflict
from shared.scoping import sees_everything

MERGE_PERMISSION = "customers.merge_customer"
# Relations a merge leaves where they are: the merge bookkeeping itself.
NOT_MOVED = {
    ("customers.Customer", "merged_into"),
    ("customers.CustomerMerge", "survivor"),
    ("customers.CustomerMerge", "duplicate"),
}
HISTORY_REASON_LENGTH = 100  # django-simple-history's change-reason column


@dataclass(frozen=True)
class Relation:
    """A foreign key (or one-to-one) of some model pointing at ``Customer``."""

    model: type[models.Model]
    field_name: str
    unique: bool

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name_plural)


@dataclass(frozen=True)
class MergeHandler:
    """An app's own part of merging and reverting, for ``relations`` it moves itself.

    - ``lock(customer_ids)``: called first, before the customers are locked, so that the
      app can take its locks in its own order (e.g. the points ledger: accounts first);
    - ``merge(survivor, duplicate, *, actor)`` returns what it moved, in the format of
      ``CustomerMerge.moved`` (``{"app.Model": {field: [ids]}}``);
    - ``revert(survivor, duplicate, moved, *, actor)`` puts it back exactly, or raises
      ``Conflict`` (the whole revert is then refused and nothing is written).
    """

    relations: frozenset[tuple[str, str]]
    lock: Callable[[list[int]], None]
    merge: Callable[..., dict[str, dict[str, list[int]]]]
    revert: Callable[..., None]


_handlers: list[MergeHandler] = []


def register_merge_handler(handler: MergeHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def _handled_relations() -> set[tuple[str, str]]:
    return {relation for handler in _handlers for relation in handler.relations}


def _is_history_model(model) -> bool:
    # django-simple-history's generated models carry the model they record.
    return hasattr(model, "instance_type") and hasattr(model, "history_object")


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def customer_relations() -> list[Relation]:
    """Every relation to ``Customer`` whose rows a merge moves, in a stable order."""
    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation):
            continue
        if rel.many_to_many:
            continue  # moved through the through-model's own foreign key (also listed here)
        model = rel.related_model
        if _is_history_model(model) or (model._meta.label, rel.field.name) in NOT_MOVED:
            continue
        found.append(Relation(model, rel.field.name, bool(rel.field.unique)))
    return sorted(found, key=lambda r: (r.label, r.field_name))


def _lock_customers(actor, *pks: int, visible_only: bool = True) -> dict[int, Customer]:
    queryset = Customer.objects.visible_to(actor) if visible_only else Customer.objects.all()
    # Always lock in primary-key order: two merges touching the same customers from opposite
    # ends then queue instead of deadlocking.
    locked = queryset.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk")
    return {customer.pk: customer for customer in locked}


def _history_reason(text: str) -> str:
    return text[:HISTORY_REASON_LENGTH]


def _repoint(relation: Relation, ids: list[int], target: Customer, *, actor, reason: str):
    """Point rows ``ids`` of ``relation`` at ``target``, with history rows where kept."""
    manager = relation.model._base_manager
    if _has_history(relation.model):
        rows = list(manager.filter(pk__in=ids).order_by("pk"))
        for row in rows:
            setattr(row, relation.field_name, target)
        bulk_update_with_history(
            rows,
            relation.model,
            [relation.field_name],
            batch_size=1000,
            default_user=actor,
            default_change_reason=_history_reason(reason),
        )
    else:
        manager.filter(pk__in=ids).update(**{relation.field_name: target})


def _move(relation: Relation, source: Customer, target: Customer, *, actor, reason: str):
    manager = relation.model._base_manager
    ids = list(
        manager.select_for_update()
        .filter(**{relation.field_name: source})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    if relation.unique and manager.filter(**{relation.field_name: target}).exists():
        raise _cannot_move(relation, target)
    try:
        with transaction.atomic():
            _repoint(relation, ids, target, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise _cannot_move(relation, target) from exc
    return ids


def _cannot_move(relation: Relation, target: Customer) -> Conflict:
    return Conflict(
        _(
            "The %(records)s cannot be moved: %(customer)s already has records that clash "
            "with them. Resolve them first."
        )
        % {"records": relation.verbose_name, "customer": target},
        code="merge_clash",
    )


def check_merge(survivor: Customer, duplicate: Customer) -> None:
    """Refuse merges that cannot be right; raises ``ValidationError`` or ``Conflict``."""
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    for customer in (survivor, duplicate):
        if customer.merged_into_id is not None:
            raise Conflict(
                _("%(customer)s has already been merged into %(into)s.")
                % {"customer": customer, "into": customer.merged_into},
                code="already_merged",
                fields={"duplicate" if customer is duplicate else "survivor": []},
            )
    if (
        survivor.certificate_no
        and duplicate.certificate_no
        and (survivor.certificate_type, survivor.certificate_no)
        != (duplicate.certificate_type, duplicate.certificate_no)
    ):
        if survivor.type != duplicate.type:
            message = _(
                "%(survivor)s (%(survivor_type)s) and %(duplicate)s (%(duplicate_type)s) are "
                "different kinds of customer with different certificates; they are not the "
                "same customer."
            ) % {
                "survivor": survivor,
                "survivor_type": survivor.get_type_display(),
                "duplicate": duplicate,
                "duplicate_type": duplicate.get_type_display(),
            }
        else:
            message = _(
                "%(survivor)s and %(duplicate)s have different certificates; they are not "
                "the same customer."
            ) % {"survivor": survivor, "duplicate": duplicate}
        raise Conflict(message, code="certificate_mismatch")
    if survivor.parent_id == duplicate.pk:
        raise Conflict(
            _("%(survivor)s is a member company of %(duplicate)s; it cannot absorb its group.")
            % {"survivor": survivor, "duplicate": duplicate},
            code="merge_into_member",
        )
    if survivor.type != CustomerType.GROUP and duplicate.members.exists():
        raise Conflict(
            _(
                "%(duplicate)s has member companies, and only a group customer can have them; "
                "%(survivor)s is not one."
            )
            % {"survivor": survivor, "duplicate": duplicate},
            code="members_need_group",
        )


def merge_preview(duplicate: Customer) -> list[dict]:
    """What a merge of ``duplicate`` would move: one entry per kind of record, with a count."""
    preview = []
    for relation in customer_relations():
        count = relation.model._base_manager.filter(**{relation.field_name: duplicate}).count()
        if count:
            preview.append({"model": relation.label, "name": relation.verbose_name, "count": count})
    return preview


def _save_with_reason(customer: Customer, *, actor, reason: str) -> None:
    customer.stamp(actor)
    customer._change_reason = _history_reason(reason)
    customer.save()


@transaction.atomic
def merge_customers(
    survivor: Customer, duplicate: Customer, *, actor, reason: str
) -> CustomerMerge:
    """Merge ``duplicate`` into ``survivor`` (R2.1.2); everything or nothing."""
    if not actor.has_perm(MERGE_PERMISSION):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the customers are merged.")})
    if survivor.pk == duplicate.pk:
        check_merge(survivor, duplicate)
    for handler in _handlers:
        handler.lock(sorted((survivor.pk, duplicate.pk)))
    locked = _lock_customers(actor, survivor.pk, duplicate.pk)
    for name, customer in (("survivor", survivor), ("duplicate", duplicate)):
        if customer.pk not in locked:
            raise ValidationError({name: _("Choose a customer you can see.")})
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    check_merge(survivor, duplicate)

    history_reason = _("Merged %(duplicate)s into %(survivor)s: %(reason)s") % {
        "duplicate": duplicate.number,
        "survivor": survivor.number,
        "reason": reason,
    }
    moved: dict[str, dict[str, list[int]]] = {}
    handled = _handled_relations()
    for relation in customer_relations():
        if (relation.label, relation.field_name) in handled:
            continue
        ids = _move(relation, duplicate, survivor, actor=actor, reason=history_reason)
        if ids:
            moved.setdefault(relation.label, {})[relation.field_name] = ids
    for handler in _handlers:
        for label, fields in handler.merge(survivor, duplicate, actor=actor).items():
            moved.setdefault(label, {}).update(fields)
    previous_status = duplicate.status
    duplicate.merged_into = survivor
    duplicate.status = CustomerStatus.CHURNED
    _save_with_reason(duplicate, actor=actor, reason=history_reason)
    _save_with_reason(survivor, actor=actor, reason=history_reason)
    # Rows changed hands (a club card now belongs to the survivor, with its phone and
    # level): copies of them elsewhere follow in this transaction (changes.py).
    customers_changed([survivor.pk, duplicate.pk], ANY_FIELD)
    return CustomerMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        actor=actor,
        at=timezone.now(),
        reason=reason,
        moved=moved,
        duplicate_status=previous_status,
    )


def can_revert(actor) -> bool:
    """Province administrators: the merge right plus sight of the whole province."""
    return bool(actor.has_perm(MERGE_PERMISSION) and sees_everything(actor))


@transaction.atomic
def revert_merge(merge: CustomerMerge, *, actor) -> CustomerMerge:
    """Undo ``merge`` exactly: the recorded rows go back to the duplicate (R2.1.2).

    Refused (409) when the merge was already reverted or when the recorded rows have moved
    on since (a later merge of the survivor, a deleted row): undo the later change first.
    """
    if not can_revert(actor):
        raise PermissionDenied
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.reverted_at is not None:
        raise Conflict(
            _("This merge was already reverted on %(date)s.")
            % {"date": timezone.localtime(merge.reverted_at).strftime("%Y-%m-%d %H:%M")},
            code="already_reverted",
        )
    for handler in _handlers:
        handler.lock(sorted((merge.survivor_id, merge.duplicate_id)))
    locked = _lock_customers(actor, merge.survivor_id, merge.duplicate_id, visible_only=False)
    survivor, duplicate = locked[merge.survivor_id], locked[merge.duplicate_id]
    if survivor.merged_into_id is not None:
        raise Conflict(
            _("%(survivor)s has since been merged into %(into)s; revert that merge first.")
            % {"survivor": survivor, "into": survivor.merged_into},
            code="later_merge",
        )
    if duplicate.certificate_no:
        clash = (
            Customer.objects.filter(
                certificate_type=duplicate.certificate_type,
                certificate_no=duplicate.certificate_no,
                merged_into__isnull=True,
            )
            .exclude(pk=duplicate.pk)
            .first()
        )
        if clash is not None:
            raise Conflict(
                _("%(customer)s now has the certificate of %(duplicate)s; it cannot come back.")
                % {"customer": clash, "duplicate": duplicate},
                code="duplicate_certificate",
            )

    history_reason = _("Reverted the merge of %(duplicate)s into %(survivor)s") % {
        "duplicate": duplicate.number,
        "survivor": survivor.number,
    }
    for handler in _handlers:
        handler.revert(survivor, duplicate, merge.moved, actor=actor)
    handled = _handled_relations()
    for label, fields in merge.moved.items():
        if all((label, field_name) in handled for field_name in fields):
            continue
        try:
            model = apps.get_model(label)
        except LookupError as exc:
            raise Conflict(
                _("The merge moved %(model)s records, which no longer exist here.")
                % {"model": label},
                code="unknown_model",
            ) from exc
        for field_name, ids in fields.items():
            if (label, field_name) in handled:
                continue
            relation = Relation(model, field_name, model._meta.get_field(field_name).unique)
            still_there = list(
                model._base_manager.select_for_update()
                .filter(pk__in=ids, **{field_name: survivor})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if len(still_there) != len(ids):
                raise Conflict(
                    _(
                        "%(count)d of the %(records)s the merge moved no longer belong to "
                        "%(survivor)s; the merge cannot be reverted exactly."
                    )
                    % {
                        "count": len(ids) - len(still_there),
                        "records": relation.verbose_name,
                        "survivor": survivor,
                    },
                    code="moved_since",
                )
            try:
                with transaction.atomic():
                    _repoint(relation, ids, duplicate, actor=actor, reason=history_reason)
            except IntegrityError as exc:
                raise _cannot_move(relation, duplicate) from exc
    duplicate.merged_into = None
    duplicate.status = merge.duplicate_status
    _save_with_reason(duplicate, actor=actor, reason=history_reason)
    _save_with_reason(survivor, actor=actor, reason=history_reason)
    merge.reverted_at = timezone.now()
    merge.reverted_by = actor
    merge.save(update_fields=["reverted_at", "reverted_by"])
    customers_changed([survivor.pk, duplicate.pk], ANY_FIELD)
    return merge
