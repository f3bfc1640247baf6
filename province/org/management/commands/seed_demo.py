"""``manage.py seed_demo --province bj`` (or ``--all``): demo organisation and sign-ins, the
demo product list and points catalogue, and with ``--customers N`` N demo customers per
province that has none, with the points their paid bills earned."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from province.customers.demo import seed_customers
from province.customers.models import Customer
from province.loyalty.demo import accrue_history, seed_catalogue
from province.org.demo import seed_province
from province.products.demo import seed_products
from sync import directory


class Command(BaseCommand):
    help = "Seed demo data (org tree, staff, one sign-in per role, products, customers)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument(
            "--customers",
            type=int,
            default=0,
            metavar="N",
            help="Also seed N demo customers into each province that has none yet.",
        )

    def handle(self, *args, province, all, customers=0, verbosity=1, **options):
        members = {m.schema_name: m for m in directory.provinces()}
        wanted = list(members) if all else province
        unknown = sorted(set(wanted) - members.keys())
        if unknown or not wanted:
            raise CommandError(f"Name provinces with --province or use --all. Unknown: {unknown}")
        for index, short in enumerate(wanted, start=1):
            with tenant_context(directory.tenant_for(short)):
                created = seed_province()
                products = seed_products()
                seed_catalogue()
                # Only into an empty province: a re-run must not pile up demo customers.
                added = 0
                if customers > 0 and not Customer.objects.exists():
                    added = seed_customers(customers).customers
                    accrue_history()
            if verbosity:
                bar = "#" * (20 * index // len(wanted))
                self.stdout.write(
                    f"[{bar:<20}] {index:>2}/{len(wanted)} {short}: {created} staff, "
                    f"{products} products, {added} customers"
                )
