"""Sync handlers: how HQ applies the indicator snapshots provinces send (appendix 1)."""

import sync
from hq.indicators.services import apply_snapshots


@sync.batch_handler("indicators.snapshot")
def apply_indicator_snapshots(messages) -> None:
    apply_snapshots(messages)
