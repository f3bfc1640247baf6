"""``manage.py seed_demo --province bj`` (or ``--all``): demo organisation and sign-ins."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from province.org.demo import seed_province
from sync import directory


class Command(BaseCommand):
    help = "Seed demo data (org tree, staff, one sign-in per role) into provinces."

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
                created = seed_province()
            if verbosity:
                bar = "#" * (20 * index // len(wanted))
                self.stdout.write(f"[{bar:<20}] {index:>2}/{len(wanted)} {short}: {created} staff")
