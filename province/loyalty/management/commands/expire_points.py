"""``manage.py expire_points --province bj [--as-of 2025-07-01] [--sync]`` (R2.4.5)."""

from datetime import date

from django.core.management.base import CommandError
from django.db import transaction

from province.loyalty import services
from province.loyalty.tasks import start_expiry_and_queue
from shared.errors import Conflict
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Expire what is left of points lots that lapsed before a day (default: today)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle_province(self, short, *, as_of, sync, chunk_size, verbosity=1, **options):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_expiry_and_queue(as_of)
                return f"expiry run {run.pk} queued"
            run = services.start_expiry(as_of)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc
        run = services.execute_expiry(
            run.pk, chunk_size=chunk_size, on_progress=self.run_progress(short, verbosity)
        )
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        return (
            f"expired {run.entries_created} lots, {run.points_expired} points; "
            f"{run.deferred} deferred for holds"
        )
