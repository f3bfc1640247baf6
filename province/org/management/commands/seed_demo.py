"""``manage.py seed_demo --province bj`` (or ``--all``): demo organisation and sign-ins, the
demo product list and points catalogue, and with ``--customers N`` N demo customers per
province that has none, with the points their paid bills earned."""

from province.customers.demo import seed_customers
from province.customers.models import Customer
from province.loyalty.demo import accrue_history, seed_catalogue
from province.org.demo import seed_province
from province.products.demo import seed_products
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Seed demo data (org tree, staff, one sign-in per role, products, customers)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--customers",
            type=int,
            default=0,
            metavar="N",
            help="Also seed N demo customers into each province that has none yet.",
        )

    def handle_province(self, short, *, customers=0, **options):
        created = seed_province()
        products = seed_products()
        seed_catalogue()
        # Only into an empty province: a re-run must not pile up demo customers.
        added = 0
        if customers > 0 and not Customer.objects.exists():
            added = seed_customers(customers).customers
            accrue_history()
        return f"{created} staff, {products} products, {added} customers"
