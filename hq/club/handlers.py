"""Sync handlers: how HQ applies what the provinces send about the club (R11.1, R6.5.3)."""

import sync
from hq.club import services


@sync.batch_handler("club.member")
def apply_club_members(messages) -> None:
    services.apply_members(messages)


@sync.batch_handler("club.roster")
def apply_club_roster(messages) -> None:
    services.apply_roster(messages)


@sync.handler("club.usage")
def apply_club_usage(message) -> None:
    services.apply_usage(message.source, message.version, message.payload)


@sync.handler("club.visit.request")
def route_club_visit_request(message) -> None:
    services.route_visit_request(message.source, message.payload)


@sync.handler("club.visit.result")
def route_club_visit_result(message) -> None:
    services.route_visit_result(message.source, message.payload)
