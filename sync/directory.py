"""Who is in the federation: tenants as the sync layer sees them (read from the registry).

Domain code at HQ asks here for the list of provinces instead of reading the tenant
registry itself, so the registry stays behind the sync boundary.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from tenants.models import HQ_SCHEMA, Tenant, TenantType


@dataclass(frozen=True)
class Member:
    schema_name: str
    type: str
    code: str
    name_zh: str
    name_en: str
    domain: str | None
    is_active: bool

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


def _members(**filters) -> list[Member]:
    with schema_context(connection.schema_name):  # restores the caller's schema afterwards
        tenants = (
            Tenant.objects.filter(is_template=False, **filters)
            .exclude(type=TenantType.PUBLIC)
            .prefetch_related("domains")
            .order_by("code", "schema_name")
        )
        result = []
        for tenant in tenants:
            primary = next((d.domain for d in tenant.domains.all() if d.is_primary), None)
            result.append(
                Member(
                    tenant.schema_name,
                    tenant.type,
                    tenant.code,
                    tenant.name_zh,
                    tenant.name_en,
                    primary,
                    tenant.is_active,
                )
            )
        return result


def provinces() -> list[Member]:
    return _members(type=TenantType.PROVINCE)


def members() -> list[Member]:
    """HQ and every province: the tenants that take part in sync."""
    return _members()


def tenant_for(schema_name: str) -> Tenant:
    """The registry row of a sync member (raises Tenant.DoesNotExist for anything else)."""
    return Tenant.objects.exclude(type=TenantType.PUBLIC).get(
        schema_name=schema_name, is_template=False
    )


def each_active_province() -> Iterator[Member]:
    """Every active province, yielded with its schema active (beat jobs that fan out)."""
    for member in provinces():
        if member.is_active:
            with tenant_context(tenant_for(member.schema_name)):
                yield member


# --- National member directory (R11.1, R6.5.3; docs/club.md) ------------------------------

# Only members in this state may be served away from home.
SERVABLE_STATUS = "active"


@dataclass(frozen=True)
class DirectoryEntry:
    """What any province may learn about a national club member: enough to route service
    (and, later, a points redemption) to the home province, nothing personal."""

    card_number: str
    home_province: str
    tier: str
    status: str
    level: str
    name_masked: str
    phone_masked: str
    since: object


def phone_key(phone: str) -> str:
    """The keyed hash under which a phone number is found in the directory.

    HMAC-SHA256 with a settings secret, so the directory holds no phone numbers and the
    values cannot be reversed by hashing all 10^11 numbers without the key.
    """
    phone = phone or ""
    digits = phone if phone.isdigit() else "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    keyed = _keyed_hmac()
    keyed.update(digits.encode())
    return keyed.hexdigest()


def _keyed_hmac():
    """A copy of an HMAC already keyed with the secret (keying costs as much as hashing a
    phone number; a roster snapshot hashes tens of thousands)."""
    import hashlib
    import hmac

    from django.conf import settings

    secret = settings.SYNC_DIRECTORY_KEY
    if _KEYED.get("secret") != secret:  # tests may change the setting
        _KEYED.update(secret=secret, hmac=hmac.new(secret.encode(), digestmod=hashlib.sha256))
    return _KEYED["hmac"].copy()


_KEYED: dict = {}


def hq_schema() -> str:
    """HQ's schema: fixed by provisioning, so no registry query (the roster handler asks once
    per member)."""
    return HQ_SCHEMA


def _in_hq() -> bool:
    return connection.schema_name == HQ_SCHEMA


def record_members(messages, *, rows: str | None, fields) -> int:
    """Store the directory rows of many members at once (HQ's roster handler calls this in
    HQ's schema with the messages it applies): each payload (or each row of its list
    ``rows``) has the ``MemberDirectoryEntry`` ``fields``, card number among them; a row
    already at a newer version wins. Returns how many rows changed."""
    from sync.bulk import upsert_newer
    from sync.models import MemberDirectoryEntry

    if not _in_hq():
        raise RuntimeError("The member directory is kept at HQ only")
    return upsert_newer(
        MemberDirectoryEntry,
        messages,
        rows=rows,
        fields=fields,
        unique="card_number",
        now=["updated_at"],
    )


def find_member(*, card_number: str = "", phone: str = "") -> DirectoryEntry | None:
    """Look a servable member up in HQ's directory by card number or phone (from any
    tenant). Suspended or ended members are not found: they may not be served."""
    from sync.models import MemberDirectoryEntry

    if not card_number and not phone:
        return None
    with schema_context(hq_schema()):
        rows = MemberDirectoryEntry.objects.filter(status=SERVABLE_STATUS)
        if card_number:
            rows = rows.filter(card_number=card_number.strip())
        else:
            key = phone_key(phone)
            if not key:
                return None
            rows = rows.filter(phone_key=key)
        row = rows.order_by("-since", "card_number").first()
        if row is None:
            return None
        return DirectoryEntry(
            row.card_number,
            row.home_province,
            row.tier,
            row.status,
            row.level,
            row.name_masked,
            row.phone_masked,
            row.since,
        )
