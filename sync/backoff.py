"""Retry timing for failed deliveries and failed handlers: exponential, capped."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def next_attempt_after(attempts: int, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    delay = settings.SYNC_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return now + timedelta(seconds=min(delay, settings.SYNC_RETRY_MAX_SECONDS))
