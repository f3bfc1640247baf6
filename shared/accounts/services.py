"""Account operations: creating users with roles, auditing personal-data access."""

from django.contrib.auth.models import Group
from django.db import transaction

from shared.accounts.models import PersonalDataAccess, User
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
