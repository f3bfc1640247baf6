"""``manage.py regrade_levels --province bj [--as-of 2025-07] [--sync]`` (R2.2).

Starts a re-grading run of the active level standard. With ``--sync`` it runs here and
draws a progress bar; otherwise it queues ``regrade_task`` for a Celery worker and prints
where to follow the run. ``--province`` may repeat; ``--all`` takes every province.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from province.levels import services
from province.levels.tasks import start_and_queue
from shared.errors import Conflict
from sync import directory


def _month(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"--as-of takes YYYY-MM, not {value!r}") from exc


class Command(BaseCommand):
    help = "Re-grade customer levels under the active standard and propose the changes."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument("--as-of", type=_month, default=None, metavar="YYYY-MM")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle(self, *args, province, all, as_of, sync, chunk_size, verbosity=1, **options):
        members = {m.schema_name: m for m in directory.provinces()}
        wanted = list(members) if all else province
        unknown = sorted(set(wanted) - members.keys())
        if unknown or not wanted:
            raise CommandError(f"Name provinces with --province or use --all. Unknown: {unknown}")
        for short in wanted:
            with tenant_context(directory.tenant_for(short)):
                self._regrade(short, as_of, sync, chunk_size, verbosity)

    def _regrade(self, short, as_of, sync, chunk_size, verbosity):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_and_queue(as_of=as_of)
                self.stdout.write(
                    f"{short}: run {run.pk} queued; follow it at /levels/runs/{run.pk}/"
                )
                return
            run = services.start_regrading(as_of=as_of)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc

        def draw(progress):
            if verbosity:
                bar = "#" * (30 * progress.percent // 100)
                self.stdout.write(
                    f"\r{short} [{bar:<30}] {progress.done}/{progress.total}", ending=""
                )
                self.stdout.flush()

        run = services.execute_run(run.pk, chunk_size=chunk_size, on_progress=draw)
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        self.stdout.write(
            f"{short}: run {run.pk} graded {run.done} customers, proposed {run.proposals} "
            f"changes ({run.upgrades} up, {run.downgrades} down)"
        )
