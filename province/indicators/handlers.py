"""Sync handlers: how the province applies what HQ sends about indicators and targets."""

import sync
from province.indicators.services import apply_definitions, apply_target


@sync.handler("indicators.definitions")
def apply_indicator_definitions(message) -> None:
    apply_definitions(message.payload)


@sync.handler("targets.assigned")
def apply_assigned_target(message) -> None:
    apply_target(message.payload)
