"""``manage.py seed_customers --province bj --customers 2000`` (or ``--all``): demo customers
with contacts, accounts, products, bills and payments, generated set-based in PostgreSQL."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from province.customers.demo import CustomersExist, MissingPrerequisite, seed_customers
from sync import directory


class Command(BaseCommand):
    help = "Seed demo customers (with accounts, products, bills and payments) into provinces."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
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

    def handle(self, *args, province, all, customers, months, recent_months, append, **options):
        verbosity = options.get("verbosity", 1)
        members = {m.schema_name: m for m in directory.provinces()}
        wanted = list(members) if all else province
        unknown = sorted(set(wanted) - members.keys())
        if unknown or not wanted:
            raise CommandError(
                _("Name provinces with --province or use --all. Unknown: %(unknown)s")
                % {"unknown": ", ".join(unknown)}
            )
        for short in wanted:
            with tenant_context(directory.tenant_for(short)):
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
                        _("Province %(province)s has no staff; run seed_demo first.")
                        % {"province": short}
                    ) from exc
            if verbosity:
                rows = ", ".join(
                    f"{table.split('_', 1)[1]} {count:,}" for table, count in report.rows.items()
                )
                self.stdout.write(
                    _("%(province)s: %(customers)s customers in %(seconds).1f s (%(rows)s)")
                    % {
                        "province": short,
                        "customers": f"{report.customers:,}",
                        "seconds": report.seconds,
                        "rows": rows,
                    }
                )

    def _bar(self, short: str):
        def show(done: int, total: int) -> None:
            bar = "#" * (20 * done // total)
            ending = "\n" if done == total else "\r"
            self.stdout.write(f"[{bar:<20}] {short} {done:,}/{total:,}", ending=ending)
            self.stdout.flush()

        return show
