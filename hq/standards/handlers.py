"""Sync handlers: what HQ records from the provinces about national standards (R11.2)."""

import sync
from hq.standards.services import record_applied


@sync.handler("standards.applied")
def record_applied_standard(message) -> None:
    record_applied(message.source, message.payload)
