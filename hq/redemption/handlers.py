"""Sync handlers: how HQ routes national redemptions between provinces (R6.5.3)."""

import sync
from hq.redemption import services


@sync.handler("redemption.national.request")
def route_national_redemption_request(message) -> None:
    services.route_request(message.source, message.payload)


@sync.handler("redemption.national.outcome")
def apply_national_redemption_outcome(message) -> None:
    services.apply_outcome(message.source, message.payload)


@sync.handler("redemption.national.commit")
def route_national_redemption_commit(message) -> None:
    services.route_commit(message.source, message.payload)
