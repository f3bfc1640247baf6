"""``manage.py bootstrap``: create the public tenant, templates, HQ and the 31 provinces.

Idempotent: a second run reports every tenant unchanged and writes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.provinces import PROVINCES, PROVINCES_BY_SHORT
from tenants.provisioning import bootstrap


class Command(BaseCommand):
    help = "Create or correct the public tenant, the templates, HQ and the provinces."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="SHORT",
            help="Provision only these provinces (e.g. --only bj sh). Default: all 31.",
        )
        parser.add_argument("--base-domain", default=settings.BASE_DOMAIN)

    def handle(self, *args, only=None, base_domain=None, verbosity=1, **options):
        if only:
            unknown = sorted(set(only) - PROVINCES_BY_SHORT.keys())
            if unknown:
                raise CommandError(f"Unknown province short codes: {', '.join(unknown)}")
            provinces = [PROVINCES_BY_SHORT[short] for short in only]
        else:
            provinces = list(PROVINCES)

        def report(index, total, result):
            if verbosity >= 1:
                bar = "#" * (20 * index // total)
                self.stdout.write(
                    f"[{bar:<20}] {index:>2}/{total} {result.schema_name:<20} {result.action}"
                )

        results = bootstrap(base_domain, provinces, on_progress=report)
        counts = {}
        for result in results:
            counts[result.action] = counts.get(result.action, 0) + 1
        summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Tenants: {summary}."))
