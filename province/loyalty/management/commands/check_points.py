"""``manage.py check_points --province bj | --all``: the ledger invariant (DESIGN.md §5).

Prints every violation and exits non-zero if there is any.
"""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from province.loyalty.invariant import invariant_violations
from province.loyalty.management.commands._runs import wanted_provinces
from sync import directory


class Command(BaseCommand):
    help = "Check balance = Σ entries = Σ open lot remainders (+ held) for every customer."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")

    def handle(self, *args, province, all, **options):
        failed = 0
        for short in wanted_provinces(province, all):
            with tenant_context(directory.tenant_for(short)):
                violations = invariant_violations()
            for violation in violations:
                self.stdout.write(f"{short}: {violation}")
            failed += len(violations)
            if not violations:
                self.stdout.write(f"{short}: points ledger consistent")
        if failed:
            raise CommandError(f"{failed} points ledger violations")
