"""Sync handlers: how a province applies what HQ sends about the club (R11.1, R6.5.3)."""

import sync
from province.club import services


@sync.handler("club.rules")
def apply_club_rules(message) -> None:
    services.apply_rules(message.payload)


@sync.handler("club.visit.apply")
def apply_club_visit(message) -> None:
    services.apply_visit_usage(message.payload)


@sync.handler("club.visit.reply")
def apply_club_visit_reply(message) -> None:
    services.apply_visit_reply(message.payload)
