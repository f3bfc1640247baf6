"""Account operations: creating users with roles, auditing personal-data access."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from shared.accounts.models import PersonalDataAccess, SavedView, User
from shared.accounts.roles import ROLES_BY_CODE


def set_roles(user: User, role_codes: list[str]) -> None:
    unknown = set(role_codes) - ROLES_BY_CODE.keys()
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    user.groups.set(Group.objects.filter(name__in=role_codes))


def record_personal_data_access(user, path: str, seen: dict) -> None:
    """Write one audit row per object type whose personal data ``user`` saw unmasked."""
    with transaction.atomic():
        PersonalDataAccess.objects.bulk_create(
            PersonalDataAccess(
                user=user,
                path=path[:512],
                object_type=object_type,
                object_ids=sorted(entry["ids"]),
                fields=sorted(entry["fields"]),
            )
            for object_type, entry in seen.items()
        )


def save_view(user, *, page: str, name: str, query: str) -> SavedView:
    """Save (or overwrite) the user's view ``name`` of ``page``; ``query`` is the filter
    query string without paging parameters."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    params = QueryDict(query, mutable=True)
    for paging in ("after", "page"):
        params.pop(paging, None)
    view, _created = SavedView.objects.update_or_create(
        user=user, page=page, name=name[:64], defaults={"query": params.urlencode()[:1000]}
    )
    return view


def delete_view(user, view_id: int) -> None:
    SavedView.objects.filter(user=user, pk=view_id).delete()
