"""Business operations on the org tree and staff (R9.2).

Each function is one transaction that writes the rows, their history and the outbox
message telling HQ the province's new staff figures (topic ``org.summary``).
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

import sync
from province.org.choices import ALLOWED_CHILD_KINDS, OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.models import User
from shared.accounts.roles import roles_for
from shared.accounts.services import set_roles
from shared.errors import Conflict
from shared.scoping import sees_everything
from sync import directory

# Roles only someone who sees the whole province may hand out.
PRIVILEGED_ROLES = {"province_admin", "read_only"}


def publish_org_summary() -> None:
    """Tell HQ this province's staff and org-unit counts (read by HQ's province list)."""
    sync.publish(
        "org.summary",
        key="summary",
        payload={
            "staff_count": Staff.objects.filter(is_active=True).count(),
            "org_unit_count": OrgUnit.objects.filter(is_active=True).count(),
        },
        to=directory.hq_schema(),
    )


def _check_unit_in_scope(actor, unit: OrgUnit | None, field: str) -> None:
    if actor is None or unit is None or sees_everything(actor):
        return
    if not OrgUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ValidationError(
            {field: _("You may only use units within your own part of the organisation.")}
        )


def _check_placement(kind: str, parent: OrgUnit | None, *, unit: OrgUnit | None = None) -> None:
    if parent is None:
        if kind != OrgUnitKind.PROVINCE:
            raise ValidationError({"parent": _("Only the provincial company has no parent unit.")})
        root = OrgUnit.objects.filter(parent__isnull=True)
        if unit is not None:
            root = root.exclude(pk=unit.pk)
        if root.exists():
            raise ValidationError({"parent": _("The province already has its root unit.")})
        return
    if unit is not None and parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself.")})
    if kind not in ALLOWED_CHILD_KINDS[parent.kind]:
        raise ValidationError(
            {
                "kind": _("A %(kind)s cannot be placed under a %(parent)s.")
                % {"kind": OrgUnitKind(kind).label, "parent": OrgUnitKind(parent.kind).label}
            }
        )


def _check_unique_name(name: str, parent: OrgUnit | None, unit: OrgUnit | None = None) -> None:
    siblings = OrgUnit.objects.filter(parent=parent, name=name)
    if unit is not None:
        siblings = siblings.exclude(pk=unit.pk)
    if siblings.exists():
        raise ValidationError({"name": _("A unit with this name already exists here.")})


@transaction.atomic
def create_org_unit(
    *,
    name: str,
    code: str,
    kind: str,
    parent: OrgUnit | None = None,
    actor=None,
    is_active: bool = True,
) -> OrgUnit:
    _check_unit_in_scope(actor, parent, "parent")
    _check_placement(kind, parent)
    _check_unique_name(name, parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used by another unit.")})
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent, is_active=is_active)
    unit.stamp(actor)
    unit.path = ""
    unit.depth = parent.depth + 1 if parent else 0
    unit.save()
    # The path holds the unit's own id, known only after the insert.
    unit.path = f"{parent.path if parent else ''}{unit.pk}."
    OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path)
    publish_org_summary()
    return unit


@transaction.atomic
def update_org_unit(unit: OrgUnit, *, actor=None, **changes) -> OrgUnit:
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    name = changes.get("name", unit.name)
    kind = changes.get("kind", unit.kind)
    parent = changes.get("parent", unit.parent)
    code = changes.get("code", unit.code)
    _check_unit_in_scope(actor, parent, "parent")
    moved = (parent.pk if parent else None) != unit.parent_id
    if moved or kind != unit.kind:
        _check_placement(kind, parent, unit=unit)
    if kind != unit.kind:
        bad_child = unit.children.exclude(kind__in=ALLOWED_CHILD_KINDS[kind]).exists()
        if bad_child:
            raise ValidationError({"kind": _("Units under this one do not fit the new kind.")})
    if name != unit.name or moved:
        _check_unique_name(name, parent, unit)
    if code != unit.code and OrgUnit.objects.filter(code=code).exclude(pk=unit.pk).exists():
        raise ValidationError({"code": _("This code is already used by another unit.")})

    old_path, old_depth = unit.path, unit.depth
    unit.name, unit.kind, unit.parent, unit.code = name, kind, parent, code
    unit.is_active = changes.get("is_active", unit.is_active)
    if moved:
        unit.path = f"{parent.path if parent else ''}{unit.pk}."
        unit.depth = parent.depth + 1 if parent else 0
    unit.stamp(actor)
    unit.save()
    if moved:
        # Re-root the whole subtree in one statement.
        OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(unit.path), Substr(F("path"), len(old_path) + 1)),
            depth=F("depth") + (unit.depth - old_depth),
        )
    publish_org_summary()
    return unit


@transaction.atomic
def delete_org_unit(unit: OrgUnit, *, actor=None) -> None:
    if unit.children.exists():
        raise Conflict(_("The unit still has units under it; move or delete them first."))
    if unit.staff.exists():
        raise Conflict(_("The unit still has staff; move them to another unit first."))
    unit.stamp(actor)
    unit.delete()
    publish_org_summary()


def _check_roles(actor, role_codes: list[str]) -> None:
    allowed = {role.code for role in roles_for("province")}
    unknown = set(role_codes) - allowed
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(role)s") % {"role": sorted(unknown)[0]}})
    if actor is not None and not sees_everything(actor) and PRIVILEGED_ROLES & set(role_codes):
        raise ValidationError({"roles": _("Only a province administrator may grant this role.")})


@transaction.atomic
def create_staff(
    *,
    username: str,
    password: str | None,
    name: str,
    employee_no: str,
    org_unit: OrgUnit,
    roles: list[str] = (),
    title: str = "",
    mobile: str = "",
    email: str = "",
    is_active: bool = True,
    actor=None,
) -> Staff:
    errors = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = _("This username is already taken.")
    if Staff.objects.filter(employee_no=employee_no).exists():
        errors["employee_no"] = _("This employee number is already used.")
    if errors:
        raise ValidationError(errors)
    _check_unit_in_scope(actor, org_unit, "org_unit")
    _check_roles(actor, list(roles))
    user = User(username=username, display_name=name, email=email, is_active=is_active)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    set_roles(user, list(roles))
    staff = Staff(
        user=user,
        org_unit=org_unit,
        employee_no=employee_no,
        name=name,
        title=title,
        mobile=mobile,
        email=email,
        is_active=is_active,
    )
    staff.stamp(actor)
    staff.full_clean(exclude=["user"])
    staff.save()
    publish_org_summary()
    return staff


@transaction.atomic
def update_staff(staff: Staff, *, actor=None, roles: list[str] | None = None, **changes) -> Staff:
    staff = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
    new_number = changes.get("employee_no", staff.employee_no)
    if new_number != staff.employee_no and Staff.objects.filter(employee_no=new_number).exists():
        raise ValidationError({"employee_no": _("This employee number is already used.")})
    if "org_unit" in changes:
        _check_unit_in_scope(actor, changes["org_unit"], "org_unit")
    editable = {"name", "employee_no", "org_unit", "title", "mobile", "email", "is_active"}
    for field, value in changes.items():
        if field not in editable:
            raise ValidationError({field: _("This field cannot be changed.")})
        setattr(staff, field, value)
    staff.stamp(actor)
    staff.full_clean(exclude=["user"])
    staff.save()
    user = staff.user
    user.display_name, user.email, user.is_active = staff.name, staff.email, staff.is_active
    user.save(update_fields=["display_name", "email", "is_active"])
    if roles is not None:
        _check_roles(actor, roles)
        set_roles(user, roles)
    publish_org_summary()
    return staff


@transaction.atomic
def delete_staff(staff: Staff, *, actor=None) -> None:
    user = staff.user
    staff.stamp(actor)
    staff.delete()
    user.delete()
    publish_org_summary()
