"""``manage.py auto_redeem --province bj|--all [--as-of 2025-07-01] [--sync]`` (R2.4.8)."""

from datetime import date

from django.core.management.base import CommandError
from django.db import transaction

from province.loyalty import services
from province.loyalty.redemption import AUTO_CHUNK_SIZE
from province.loyalty.tasks import start_auto_redemption_and_queue
from shared.errors import Conflict
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Redeem points about to lapse by the active automatic redemption rules."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=AUTO_CHUNK_SIZE)

    def handle_province(self, short, *, as_of, sync, chunk_size, verbosity=1, **options):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_auto_redemption_and_queue(as_of)
                return f"automatic redemption run {run.pk} queued"
            run = services.start_auto_redemption(as_of)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc
        run = services.execute_auto_redemption(
            run.pk, chunk_size=chunk_size, on_progress=self.run_progress(short, verbosity)
        )
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        return (
            f"{run.redeemed} redemptions, {run.points_redeemed} points; "
            f"{run.skipped} customers skipped"
        )
