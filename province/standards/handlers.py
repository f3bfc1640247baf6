"""Sync handlers: how the province applies the national standards HQ sends (R11.2)."""

import sync
from province.standards.services import apply_release, record_failure


@sync.handler("standards.release")
def apply_standard_release(message) -> None:
    apply_release(message.payload)


@sync.on_failure("standards.release")
def record_standard_failure(message, exc: Exception) -> None:
    record_failure(message.payload, f"{type(exc).__name__}: {exc}")
