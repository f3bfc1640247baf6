"""Sync handlers: how HQ applies what provinces send."""

from django.utils import timezone

import sync
from hq.federation.models import ProvinceSummary


@sync.handler("org.summary")
def apply_org_summary(message) -> None:
    ProvinceSummary.objects.update_or_create(
        province=message.source,
        defaults={
            "staff_count": message.payload["staff_count"],
            "org_unit_count": message.payload["org_unit_count"],
            "version": message.version,
            "synced_at": timezone.now(),
        },
    )
