"""``manage.py seed_customers --province bj --customers 2000`` (or ``--all``): demo customers
with contacts, accounts, products, bills and payments, generated set-based in PostgreSQL."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from province.customers.demo import CustomersExist, MissingPrerequisite, seed_customers
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Seed demo customers (with accounts, products, bills and payments) into provinces."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--customers", type=int, default=2000, metavar="N")
        parser.add_argument("--months", type=int, default=24, help="Months of bills.")
        parser.add_argument(
            "--recent-months",
            type=int,
            default=None,
            help="Months of bills for customers other than key accounts "
            "(default: all months up to 100,000 customers, else 3).",
        )
        parser.add_argument(
            "--append", action="store_true", help="Add to a province that has customers."
        )

    def handle_province(
        self, short, *, customers, months, recent_months, append, verbosity=1, **options
    ):
        try:
            report = seed_customers(
                customers,
                months=months,
                recent_months=recent_months,
                append=append,
                progress=self._bar(short) if verbosity else None,
            )
        except CustomersExist as exc:
            raise CommandError(
                _("Province %(province)s already has customers; use --append to add more.")
                % {"province": short}
            ) from exc
        except MissingPrerequisite as exc:
            raise CommandError(
                _("Province %(province)s has no staff; run seed_demo first.") % {"province": short}
            ) from exc
        rows = ", ".join(
            f"{table.split('_', 1)[1]} {count:,}" for table, count in report.rows.items()
        )
        return _("%(customers)s customers in %(seconds).1f s (%(rows)s)") % {
            "customers": f"{report.customers:,}",
            "seconds": report.seconds,
            "rows": rows,
        }

    def _bar(self, short: str):
        def show(done: int, total: int) -> None:
            bar = "#" * (20 * done // total)
            ending = "\n" if done == total else "\r"
            self.stdout.write(f"[{bar:<20}] {short} {done:,}/{total:,}", ending=ending)
            self.stdout.flush()

        return show
