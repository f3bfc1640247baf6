"""``manage.py assess_credit --province bj`` (or ``--all``): the credit assessment run (R2.3.1)."""

from datetime import date

from django.core.management.base import CommandError

from province.credit import services
from shared.errors import Conflict
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Compute credit scores, grades and limits of every customer (set-based)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", dest="as_of", help="Assess as of this day (YYYY-MM-DD).")

    def handle(self, *args, as_of=None, **options):
        try:  # here rather than as the argument's type: call_command passes strings too
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        super().handle(*args, as_of=day, **options)

    def handle_province(self, short, *, as_of=None, **options):
        try:
            result = services.assess_credit(as_of=as_of)
        except Conflict as exc:
            self.stderr.write(f"{short}: {exc.message}")
            return None
        return f"{result.assessed} assessed, {result.changed} changed"
