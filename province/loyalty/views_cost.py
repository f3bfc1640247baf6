"""The "Points cost" page (R2.4.9): liability, monthly points flow and redemption cost, with
the analysis filter bar, charts, tables and an export of every section (``?format=xlsx`` or
``?format=csv``) built from exactly the figures the page shows. Roles that see the whole
province also get the inter-province settlement of national redemptions (R6.5.3), as HQ
sent it."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from province.loyalty import selectors_cost
from province.loyalty.filters import PointsCostFilterForm
from province.loyalty.selectors_cost import FLOW_KINDS, TOP_ITEMS
from shared.exports import Section, jsonable, sections_download
from shared.scoping import sees_everything

VIEW_COST = "loyalty.view_points_cost"


def _outstanding_section(title: str, heading: str, rows: list[dict]) -> Section:
    return Section(
        title,
        [
            heading,
            _("Accounts"),
            _("Outstanding points"),
            _("Held points"),
            _("Liability (yuan)"),
            _("Held (yuan)"),
        ],
        [
            [
                row["label"],
                row["accounts"],
                row["points"],
                row["held"],
                row["value"],
                row["held_value"],
            ]
            for row in rows
        ],
    )


def _redemption_numbers(row: dict) -> list:
    return [
        row["redemptions"],
        row["quantity"],
        row["points"],
        row["cost"],
        row["bill_credit"],
        row["total_cost"],
    ]


def cost_sections(figures: dict) -> list[Section]:
    """Every section of the page as rows for the export (one sheet each)."""
    liability, flow, redemptions = figures["liability"], figures["flow"], figures["redemptions"]
    total, expiring = liability["total"], liability["expiring"]
    spent, cancelled = redemptions["total"], redemptions["cancelled"]
    summary = [
        [_("Cost per point (yuan)"), liability["point_cost"]],
        [_("Liability as of"), liability["as_of"].isoformat()],
        [_("Accounts with points"), total["accounts"]],
        [_("Outstanding points"), total["points"]],
        [_("Held points"), total["held"]],
        [_("Liability (yuan)"), total["value"]],
        [_("Held (yuan)"), total["held_value"]],
        [_("Past their last day, awaiting the expiry run"), expiring["lapsed"]["points"]],
        *[
            [_("Points lapsing within %(months)d months") % {"months": h["months"]}, h["points"]]
            for h in expiring["horizons"]
        ],
        [_("Net points change in the period"), flow["total"]["net"]],
        [_("Redemptions in the period"), spent["redemptions"]],
        [_("Points redeemed"), spent["points"]],
        [_("Redemption cost (yuan)"), spent["total_cost"]],
        [_("Realised cost per redeemed point (yuan)"), spent["cost_per_point"]],
        [_("Cancelled redemptions (not counted)"), cancelled["redemptions"]],
        [_("Cost of cancelled redemptions (yuan)"), cancelled["total_cost"]],
    ]
    settlement = figures.get("settlement")
    if settlement is not None:
        summary += [
            [
                _("Owed to other provinces for national redemptions (yuan)"),
                settlement["total"]["owes"],
            ],
            [
                _("Owed by other provinces for serving their members (yuan)"),
                settlement["total"]["owed"],
            ],
            [_("Net inter-province settlement (yuan)"), settlement["total"]["net"]],
        ]
    kind_labels = selectors_cost.flow_column_labels()
    redemption_headings = [
        _("Redemptions"),
        _("Quantity"),
        _("Points"),
        _("Item cost (yuan)"),
        _("Bill credit (yuan)"),
        _("Total cost (yuan)"),
    ]
    return [
        Section(_("Summary"), [_("Figure"), _("Value")], summary),
        _outstanding_section(_("Liability by level"), _("Level"), liability["by_level"]),
        _outstanding_section(_("Liability by city"), _("City"), liability["by_city"]),
        _outstanding_section(_("Liability by branch"), _("Branch"), liability["by_branch"]),
        Section(
            _("Points lapsing"),
            [_("Within months"), _("Before"), _("Points"), _("Value (yuan)")],
            [
                [h["months"], h["until"].isoformat(), h["points"], h["value"]]
                for h in expiring["horizons"]
            ],
        ),
        Section(
            _("Points flow by month"),
            [
                _("Month"),
                *kind_labels.values(),
                _("Net change"),
                *[_("%(kind)s (yuan)") % {"kind": label} for label in kind_labels.values()],
                _("Net change (yuan)"),
            ],
            [
                [
                    row["month"],
                    *[row["points"][kind] for kind in kind_labels],
                    row["net"],
                    *[row["values"][kind] for kind in kind_labels],
                    row["net_value"],
                ]
                for row in flow["months"]
            ],
        ),
        Section(
            _("Redemption cost by month"),
            [_("Month"), _("Item kind"), *redemption_headings],
            [
                [row["month"], kind["label"], *_redemption_numbers(row["by_kind"][kind["key"]])]
                for row in redemptions["by_month"]
                for kind in redemptions["kinds"]
                if row["by_kind"][kind["key"]]["redemptions"]
            ],
        ),
        Section(
            _("Redemption cost by item"),
            [_("Code"), _("Item"), _("Item kind"), *redemption_headings],
            [
                [row["code"], row["name"], row["kind_label"], *_redemption_numbers(row)]
                for row in redemptions["by_item"]
            ],
        ),
        *(settlement_sections(settlement) if settlement is not None else []),
    ]


def settlement_sections(settlement: dict) -> list[Section]:
    """R2.4.9: the inter-province settlement of national redemptions, per month and per
    month and counterpart province (sheets "Settlement by month", "Settlement by province")."""
    amounts = [
        _("We owe (yuan)"),
        _("Our members' redemptions elsewhere"),
        _("We are owed (yuan)"),
        _("Visitors' redemptions here"),
        _("Net (yuan)"),
    ]

    def numbers(row: dict) -> list:
        return [
            row["owes"],
            row["owes_redemptions"],
            row["owed"],
            row["owed_redemptions"],
            row["net"],
        ]

    return [
        Section(
            _("Settlement by month"),
            [_("Month"), *amounts],
            [[row["month"], *numbers(row)] for row in settlement["months"]],
        ),
        Section(
            _("Settlement by province"),
            [_("Month"), _("Province"), *amounts],
            [[row["month"], row["name"], *numbers(row)] for row in settlement["by_month_province"]],
        ),
    ]


@login_required
@permission_required(VIEW_COST, raise_exception=True)
def points_cost(request):
    """R2.4.9: what the customers' points are worth and what redeeming them cost."""
    form = PointsCostFilterForm(request.GET, user=request.user)
    query = request.GET.copy()
    query.pop("format", None)
    context = {"form": form, "figures": None, "query": query.urlencode()}
    if not form.is_valid():
        # Bad filter input is the user's to correct: the page with messages, not a 500.
        return render(request, "loyalty/cost/page.html", context, status=400)
    scope = form.scope(include_merged=True)
    figures = selectors_cost.points_cost(scope, with_settlement=sees_everything(request.user))
    fmt = request.GET.get("format")
    if fmt in {"xlsx", "csv"}:
        filename = f"points-cost-{scope.start:%Y%m}-{scope.end:%Y%m}"
        return sections_download(cost_sections(figures), filename, fmt)
    flow_kinds = [[str(kind), str(kind.label)] for kind in FLOW_KINDS]
    context.update(
        figures=figures,
        sections=cost_sections(figures),
        chart_data=jsonable(
            {
                **figures,
                "flow_kinds": flow_kinds,
                "horizon_labels": [
                    _("Within %(months)d months") % {"months": h["months"]}
                    for h in figures["liability"]["expiring"]["horizons"]
                ],
            }
        ),
        top_items=TOP_ITEMS,
    )
    return render(request, "loyalty/cost/page.html", context)
