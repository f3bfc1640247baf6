"""``manage.py auto_redeem --province bj|--all [--as-of 2025-07-01] [--sync]`` (R2.4.8)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from province.loyalty import services
from province.loyalty.management.commands._runs import progress_bar, wanted_provinces
from province.loyalty.redemption import AUTO_CHUNK_SIZE
from province.loyalty.tasks import start_auto_redemption_and_queue
from shared.errors import Conflict
from sync import directory


class Command(BaseCommand):
    help = "Redeem points about to lapse by the active automatic redemption rules."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=AUTO_CHUNK_SIZE)

    def handle(self, *args, province, all, as_of, sync, chunk_size, verbosity=1, **options):
        for short in wanted_provinces(province, all):
            with tenant_context(directory.tenant_for(short)):
                try:
                    if not sync:
                        with transaction.atomic():
                            run = start_auto_redemption_and_queue(as_of)
                        self.stdout.write(f"{short}: automatic redemption run {run.pk} queued")
                        continue
                    run = services.start_auto_redemption(as_of)
                except Conflict as exc:
                    raise CommandError(f"{short}: {exc.message}") from exc
                run = services.execute_auto_redemption(
                    run.pk, chunk_size=chunk_size, on_progress=progress_bar(self, short, verbosity)
                )
                if verbosity:
                    self.stdout.write("")
                if run.status != "done":
                    raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
                self.stdout.write(
                    f"{short}: {run.redeemed} redemptions, {run.points_redeemed} points; "
                    f"{run.skipped} customers skipped"
                )
