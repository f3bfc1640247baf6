"""Club scenarios shared by the HQ, province and directory tests (R11.1, R6.5.3).

HQ defines three tiers and publishes them; the messages are relayed synchronously (as
tests/sync does), so provinces hold the rules and HQ the roster right after each call.
"""

from datetime import date

from django.db import connection

from sync.relay import relay_all
from tests.conftest import in_tenant
from tests.factories import make_account, make_bill, make_customer, make_user


def relay(*schemas: str) -> None:
    """Relay the outboxes of ``schemas`` in order (each in its own schema)."""
    for schema in schemas:
        with in_tenant(schema):
            result = relay_all()
            assert result.failed == 0, result.errors


def round_trip() -> None:
    """Relay until every club message of bj, sh and HQ is delivered (province → HQ →
    province needs two hops)."""
    for _ in range(3):
        relay("bj", "sh", "hq")


def define_and_publish_club(allowance: int = 3, **entry):
    """金卡 ← silver, 白金 ← gold, 钻石 ← diamond; each with a lounge benefit; published to
    every province and relayed. ``entry`` overrides entry rules (``level_drop``…). Returns
    HQ's admin user."""
    from hq.club import services

    previous = connection.tenant
    with in_tenant("hq"):
        admin = make_user(["hq_admin"])
        for code, zh, en, rank, level in (
            ("gold", "金卡", "Gold card", 1, "silver"),
            ("platinum", "白金", "Platinum", 2, "gold"),
            ("diamond", "钻石", "Diamond", 3, "diamond"),
        ):
            tier = services.save_tier(
                actor=admin, code=code, name_zh=zh, name_en=en, rank=rank, levels=[level]
            )
            services.save_benefit(
                actor=admin,
                tier=tier,
                code="lounge",
                name_zh="贵宾厅",
                name_en="Lounge",
                kind="lounge",
                yearly_allowance=allowance,
            )
        services.save_entry_rules(
            actor=admin,
            **{"min_level": "silver", "min_tenure_months": 12, "exclude_arrears": True, **entry},
        )
        services.publish_rules(actor=admin)
    relay("hq")
    connection.set_tenant(previous)
    return admin


def republish_entry_rules(**entry) -> None:
    """HQ changes its entry rules (``level_drop``, ``min_level``…), publishes the next
    version and relays it to every province."""
    from hq.club import services

    previous = connection.tenant
    with in_tenant("hq"):
        services.save_entry_rules(actor=None, **entry)
        services.publish_rules(actor=None)
    relay("hq")
    connection.set_tenant(previous)


def make_member_candidate(manager, *, level="gold", joined_on=date(2020, 1, 1), **kwargs):
    """A customer the default club rules admit (gold → platinum tier)."""
    return make_customer(manager, level=level, joined_on=joined_on, **kwargs)


def put_in_arrears(customer) -> None:
    make_bill(make_account(customer), date(2024, 1, 1), "100.00", amount_paid="0")


def roster_rows(card_number: str | None = None) -> list[dict]:
    """The roster rows the current province has published, oldest first, whether one per
    message (``club.member``) or many (``club.roster``); only ``card_number``'s if given."""
    from sync.models import OutboxMessage

    rows = []
    for topic, payload in (
        OutboxMessage.objects.filter(topic__in=["club.member", "club.roster"])
        .order_by("id")
        .values_list("topic", "payload")
    ):
        rows += payload["members"] if topic == "club.roster" else [payload]
    return [r for r in rows if card_number is None or r["card_number"] == card_number]
