"""Sync handlers: how a province applies what HQ sends about national redemption (R6.5.3)."""

import sync
from province.national import services


@sync.handler("catalog.national")
def apply_national_catalog(message) -> None:
    services.apply_catalog(message.payload)


@sync.handler("redemption.national.reserve")
def reserve_national_redemption(message) -> None:
    services.reserve(message.payload)


@sync.handler("redemption.national.capture")
def capture_national_redemption(message) -> None:
    services.capture(message.payload)


@sync.handler("redemption.national.release")
def release_national_redemption(message) -> None:
    services.release(message.payload)


@sync.handler("redemption.national.reply")
def apply_national_redemption_reply(message) -> None:
    services.apply_reply(message.payload)


@sync.handler("redemption.settlement")
def apply_national_settlement(message) -> None:
    services.apply_settlement(message.payload)
