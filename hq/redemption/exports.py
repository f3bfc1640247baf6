"""Excel export of the inter-province settlement (R2.4.9)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from hq.redemption.selectors import Settlement
from shared.exports import Section, sections_download


def settlement_sections(settlement: Settlement, names: dict[str, str]) -> list[Section]:
    servings = settlement.servings
    return [
        Section(
            _("Settlement matrix"),
            [_("Home province owes"), *[names.get(s, s) for s in servings], _("Total")],
            [
                [names.get(home, home), *amounts, total]
                for home, amounts, total in settlement.matrix()
            ],
        ),
        Section(
            _("Settlement lines"),
            [
                _("Home province"),
                _("Serving province"),
                _("Redemptions"),
                _("Points"),
                _("Amount (yuan)"),
            ],
            [
                [names.get(home, home), names.get(serving, serving), count, points, amount]
                for (home, serving), (amount, count, points) in sorted(settlement.cells.items())
            ],
        ),
    ]


def settlement_download(settlement: Settlement, names: dict[str, str], fmt: str) -> HttpResponse:
    name = f"national-settlement-{settlement.month:%Y-%m}"
    return sections_download(settlement_sections(settlement, names), name, fmt)
