"""``manage.py expire_credit_grants --all``: end temporary credits and emergency reconnections
that are past their expiry (R2.3.2)."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from province.credit import services
from sync import directory


class Command(BaseCommand):
    help = "Mark expired temporary credits and emergency reconnections."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")

    def handle(self, *args, province, all, verbosity=1, **options):
        members = {m.schema_name: m for m in directory.provinces()}
        wanted = list(members) if all else province
        unknown = sorted(set(wanted) - members.keys())
        if unknown or not wanted:
            raise CommandError(f"Name provinces with --province or use --all. Unknown: {unknown}")
        for index, short in enumerate(wanted, start=1):
            with tenant_context(directory.tenant_for(short)):
                counts = services.expire_grants()
            if verbosity:
                bar = "#" * (20 * index // len(wanted))
                self.stdout.write(
                    f"[{bar:<20}] {index:>2}/{len(wanted)} {short}: "
                    f"{counts['temporary_credits']} temporary credits, "
                    f"{counts['reconnections']} reconnections expired"
                )
