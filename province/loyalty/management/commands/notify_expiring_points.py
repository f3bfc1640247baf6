"""``manage.py notify_expiring_points --province bj [--as-of 2025-07-01]`` (R2.4.5)."""

from datetime import date

from province.loyalty import notices
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Write expiry notices for points lapsing within the warning days (default: today)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")

    def handle_province(self, short, *, as_of, **options):
        return f"{notices.create_expiry_notices(as_of)} new expiry notices"
