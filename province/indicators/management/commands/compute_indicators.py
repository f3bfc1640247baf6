"""``manage.py compute_indicators --province bj|--all --period 2026-10`` (appendix 1).

Computes the month in each province, keeps the values there and publishes the snapshot to
HQ. Running it again for the same month replaces the month, here and at HQ.
"""

from province.indicators import services
from sync.commands import ProvinceCommand, month


class Command(ProvinceCommand):
    help = "Compute a month's summary indicators and publish them to HQ."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", type=month, required=True, metavar="YYYY-MM")

    def handle_province(self, short, *, period, **options):
        values = services.compute_indicators(period)
        version = services.definitions_version()
        return f"{period:%Y-%m}: {len(values)} values (definitions v{version}) published"
