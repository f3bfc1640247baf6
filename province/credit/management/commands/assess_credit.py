"""``manage.py assess_credit --province bj`` (or ``--all``): the credit assessment run (R2.3.1)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from province.credit import services
from shared.errors import Conflict
from sync import directory


class Command(BaseCommand):
    help = "Compute credit scores, grades and limits of every customer (set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument("--as-of", dest="as_of", help="Assess as of this day (YYYY-MM-DD).")

    def handle(self, *args, province, all, as_of=None, verbosity=1, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        members = {m.schema_name: m for m in directory.provinces()}
        wanted = list(members) if all else province
        unknown = sorted(set(wanted) - members.keys())
        if unknown or not wanted:
            raise CommandError(f"Name provinces with --province or use --all. Unknown: {unknown}")
        for index, short in enumerate(wanted, start=1):
            with tenant_context(directory.tenant_for(short)):
                try:
                    result = services.assess_credit(as_of=day)
                except Conflict as exc:
                    self.stderr.write(f"{short}: {exc.message}")
                    continue
            if verbosity:
                bar = "#" * (20 * index // len(wanted))
                self.stdout.write(
                    f"[{bar:<20}] {index:>2}/{len(wanted)} {short}: "
                    f"{result.assessed} assessed, {result.changed} changed"
                )
