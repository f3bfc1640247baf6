"""Management commands that run in province schemas.

A command names its provinces with ``--province bj`` (repeatable) or ``--all``; the base
class checks them against the federation's directory, enters each province's schema in turn
and prints one progress line per province with what ``handle_province`` reports.
"""

from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from sync import directory


def month(value: str) -> date:
    """An argument type for ``YYYY-MM``: the first day of that month."""
    try:
        year, number = value.split("-")
        return date(int(year), int(number), 1)
    except ValueError as exc:
        raise CommandError(f"expected YYYY-MM, not {value!r}") from exc


def wanted_provinces(province: list[str], every: bool) -> list[str]:
    """The schema names asked for; CommandError for none or unknown ones."""
    members = {m.schema_name for m in directory.provinces()}
    wanted = sorted(members) if every else list(dict.fromkeys(province))
    unknown = sorted(set(wanted) - members)
    if unknown or not wanted:
        raise CommandError(
            _("Name provinces with --province or use --all. Unknown: %(unknown)s")
            % {"unknown": ", ".join(unknown)}
        )
    return wanted


class ProvinceCommand(BaseCommand):
    """Runs ``handle_province(short, **options)`` inside each chosen province's schema.

    Subclasses call ``super().add_arguments(parser)`` before adding their own options.
    ``handle_province`` returns a one-line summary (or None to print nothing).
    """

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="SHORT",
            help="A province's short code, e.g. bj (repeatable).",
        )
        parser.add_argument("--all", action="store_true", help="Every province.")

    def handle(self, *args, province, all, **options):
        wanted = wanted_provinces(province, all)
        verbosity = options.get("verbosity", 1)
        for index, short in enumerate(wanted, start=1):
            with tenant_context(directory.tenant_for(short)):
                summary = self.handle_province(short, **options)
            if summary and verbosity:
                bar = "#" * (20 * index // len(wanted))
                self.stdout.write(f"[{bar:<20}] {index:>2}/{len(wanted)} {short}: {summary}")

    def handle_province(self, short: str, **options) -> str | None:
        raise NotImplementedError

    def run_progress(self, short: str, verbosity: int) -> Callable:
        """A progress bar for a chunked run (anything with ``done``, ``total``, ``percent``),
        redrawn in place after every chunk."""

        def draw(run) -> None:
            if verbosity:
                bar = "#" * (30 * run.percent // 100)
                self.stdout.write(f"\r{short} [{bar:<30}] {run.done}/{run.total}", ending="")
                self.stdout.flush()

        return draw
