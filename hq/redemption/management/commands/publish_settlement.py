"""``manage.py publish_settlement --month 2026-05 [--province bj]``: send a month's
inter-province settlement to the provinces again (R2.4.9). HQ sends it by itself whenever a
national redemption commits; this is for an operator (a province restored from a backup, a
province added later). Resending is harmless: the province replaces the month whole."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from hq.redemption import services
from sync import directory


def _month(raw: str) -> date:
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise CommandError(f"--month must be YYYY-MM, not {raw!r}") from None


class Command(BaseCommand):
    help = "Send a month's national redemption settlement to the provinces concerned."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--province", action="append", help="Only this province (repeatable).")

    def handle(self, *args, month, province, **options):
        with tenant_context(directory.tenant_for(directory.hq_schema())):
            sent = services.publish_settlement(_month(month), province)
        self.stdout.write(f"{month}: sent to {sent} provinces")
