"""``manage.py check_points --province bj | --all``: the ledger invariant (DESIGN.md §5).

Prints every violation and exits non-zero if there is any.
"""

from django.core.management.base import CommandError

from province.loyalty.invariant import invariant_violations
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Check balance = Σ entries = Σ open lot remainders (+ held) for every customer."

    def handle(self, *args, **options):
        self.failed = 0
        super().handle(*args, **options)
        if self.failed:
            raise CommandError(f"{self.failed} points ledger violations")

    def handle_province(self, short, **options):
        violations = invariant_violations()
        for violation in violations:
            self.stdout.write(f"{short}: {violation}")
        self.failed += len(violations)
        return f"{len(violations)} violations" if violations else "points ledger consistent"
