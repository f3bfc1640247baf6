"""``manage.py regrade_levels --province bj [--as-of 2025-07] [--sync]`` (R2.2).

Starts a re-grading run of the active level standard. With ``--sync`` it runs here and
draws a progress bar; otherwise it queues ``regrade_task`` for a Celery worker and prints
where to follow the run. ``--province`` may repeat; ``--all`` takes every province.
"""

from django.core.management.base import CommandError
from django.db import transaction

from province.levels import services
from province.levels.tasks import start_and_queue
from shared.errors import Conflict
from sync.commands import ProvinceCommand, month


class Command(ProvinceCommand):
    help = "Re-grade customer levels under the active standard and propose the changes."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", type=month, default=None, metavar="YYYY-MM")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle_province(self, short, *, as_of, sync, chunk_size, verbosity=1, **options):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_and_queue(as_of=as_of)
                return f"run {run.pk} queued; follow it at /levels/runs/{run.pk}/"
            run = services.start_regrading(as_of=as_of)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc

        run = services.execute_run(
            run.pk, chunk_size=chunk_size, on_progress=self.run_progress(short, verbosity)
        )
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        return (
            f"run {run.pk} graded {run.done} customers, proposed {run.proposals} "
            f"changes ({run.upgrades} up, {run.downgrades} down)"
        )
