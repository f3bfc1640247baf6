"""``manage.py accrue_points --province bj --period 2025-06 [--sync]`` (R2.4.6).

Accrues the paid bills of a billing month. With ``--sync`` it runs here with a progress
bar; otherwise it queues ``accrue_points_task``. Re-running a month changes nothing.
"""

from django.core.management.base import CommandError
from django.db import transaction

from province.loyalty import services
from province.loyalty.tasks import start_accrual_and_queue
from shared.errors import Conflict
from sync.commands import ProvinceCommand, month


class Command(ProvinceCommand):
    help = "Accrue loyalty points from the paid bills of a billing month."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", type=month, required=True, metavar="YYYY-MM")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle_province(self, short, *, period, sync, chunk_size, verbosity=1, **options):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_accrual_and_queue(period)
                return f"accrual run {run.pk} queued"
            run = services.start_accrual(period)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc
        run = services.execute_accrual(
            run.pk, chunk_size=chunk_size, on_progress=self.run_progress(short, verbosity)
        )
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        return (
            f"run {run.pk} accrued {run.done} bills: {run.entries_created} entries, "
            f"{run.points_created} points"
        )
