"""The Excel export of HQ's indicator dashboard (appendix 1: "… and exports")."""

from datetime import date

from django.utils.translation import gettext as _

from hq.indicators.models import IndicatorDefinition
from shared.exports import Section


def dashboard_sections(
    period: date, definition: IndicatorDefinition, totals, ranking, trend, matrix
) -> list[Section]:
    month = f"{period:%Y-%m}"
    codes = [n.definition.code for n in totals]
    return [
        Section(
            _("National totals %(month)s") % {"month": month},
            [_("Code"), _("Indicator"), _("Unit"), _("National value"), _("Provinces")],
            [
                [
                    n.definition.code,
                    n.definition.name,
                    n.definition.get_unit_display(),
                    n.value,
                    n.provinces,
                ]  # fmt: skip
                for n in totals
            ],
        ),
        Section(
            _("Ranking %(code)s") % {"code": definition.code},
            [_("Province"), definition.name],
            [[r.name, r.value] for r in ranking],
        ),
        Section(
            _("Trend %(code)s") % {"code": definition.code},
            [_("Month"), definition.name],
            [[f"{m:%Y-%m}", v] for m, v in trend],
        ),
        Section(
            _("Provinces %(month)s") % {"month": month},
            [_("Province"), *codes],
            [[name, *[values.get(code) for code in codes]] for name, values in matrix],
        ),
    ]
