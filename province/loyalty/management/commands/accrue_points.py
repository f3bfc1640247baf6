"""``manage.py accrue_points --province bj --period 2025-06 [--sync]`` (R2.4.6).

Accrues the paid bills of a billing month. With ``--sync`` it runs here with a progress
bar; otherwise it queues ``accrue_points_task``. Re-running a month changes nothing.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from province.loyalty import services
from province.loyalty.management.commands._runs import progress_bar, wanted_provinces
from province.loyalty.tasks import start_accrual_and_queue
from shared.errors import Conflict
from sync import directory


def _month(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"--period takes YYYY-MM, not {value!r}") from exc


class Command(BaseCommand):
    help = "Accrue loyalty points from the paid bills of a billing month."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], metavar="SHORT")
        parser.add_argument("--all", action="store_true", help="Every province.")
        parser.add_argument("--period", type=_month, required=True, metavar="YYYY-MM")
        parser.add_argument("--sync", action="store_true", help="Run here, not in a worker.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle(self, *args, province, all, period, sync, chunk_size, verbosity=1, **options):
        for short in wanted_provinces(province, all):
            with tenant_context(directory.tenant_for(short)):
                self._accrue(short, period, sync, chunk_size, verbosity)

    def _accrue(self, short, period, sync, chunk_size, verbosity):
        try:
            if not sync:
                with transaction.atomic():
                    run = start_accrual_and_queue(period)
                self.stdout.write(f"{short}: accrual run {run.pk} queued")
                return
            run = services.start_accrual(period)
        except Conflict as exc:
            raise CommandError(f"{short}: {exc.message}") from exc
        run = services.execute_accrual(
            run.pk, chunk_size=chunk_size, on_progress=progress_bar(self, short, verbosity)
        )
        if verbosity:
            self.stdout.write("")
        if run.status != "done":
            raise CommandError(f"{short}: run {run.pk} failed: {run.error}")
        self.stdout.write(
            f"{short}: run {run.pk} accrued {run.done} bills: {run.entries_created} entries, "
            f"{run.points_created} points"
        )
