"""Sync handlers: how HQ applies the indicator snapshots provinces send (appendix 1)."""

import sync
from hq.indicators.services import apply_snapshot


@sync.handler("indicators.snapshot")
def apply_indicator_snapshot(message) -> None:
    apply_snapshot(message.source, message.version, message.payload)
