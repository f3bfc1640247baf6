"""``manage.py notify_expiring_points --province bj [--as-of 2025-07-01]`` (R2.4.5)."""

from datetime import date

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from province.loyalty import notices
from province.loyalty.management.commands._runs import wanted_provinces
from sync import directory


class Command(BaseCommand):
    help = "Write expiry notices for points lapsing within the warning days (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")

    def handle(self, *args, province, all, as_of, **options):
        for short in wanted_provinces(province, all):
            with tenant_context(directory.tenant_for(short)):
                created = notices.create_expiry_notices(as_of)
            self.stdout.write(f"{short}: {created} new expiry notices")
