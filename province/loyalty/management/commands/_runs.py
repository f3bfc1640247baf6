"""What the loyalty run commands share: province selection and the progress bar."""

from django.core.management.base import CommandError

from sync import directory


def wanted_provinces(province: list[str], every: bool) -> list[str]:
    members = {m.schema_name for m in directory.provinces()}
    wanted = sorted(members) if every else province
    unknown = sorted(set(wanted) - members)
    if unknown or not wanted:
        raise CommandError(f"Name provinces with --province or use --all. Unknown: {unknown}")
    return wanted


def progress_bar(command, short: str, verbosity: int):
    def draw(run):
        if verbosity:
            bar = "#" * (30 * run.percent // 100)
            command.stdout.write(f"\r{short} [{bar:<30}] {run.done}/{run.total}", ending="")
            command.stdout.flush()

    return draw
