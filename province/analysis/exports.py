"""Exports of the analysis pages' figures (R2.5: "each as a page with charts and an export").

Each page's figures become a list of sections (a title, column headings, rows), written by
``shared.exports.sections_download`` as an Excel workbook (one sheet per section) or a CSV.
"""

from django.utils.translation import gettext as _

from shared.exports import Section


def composition_sections(figures: dict) -> list[Section]:
    def counts(title, heading, rows):
        return Section(title, [heading, _("Customers")], [[r["label"], r["count"]] for r in rows])

    over_time = figures["over_time"]
    return [
        counts(_("Customers by level"), _("Level"), figures["by_level"]),
        counts(_("Customers by type"), _("Customer type"), figures["by_type"]),
        counts(_("Customers by industry"), _("Industry"), figures["by_industry"]),
        counts(_("Customers by city"), _("City"), figures["by_city"]),
        counts(_("Customers by status"), _("Status"), figures["by_status"]),
        Section(
            _("Active customers per month"),
            [_("Month"), _("Active customers")],
            [list(pair) for pair in zip(over_time["months"], over_time["active"], strict=True)],
        ),
    ]


def product_sections(figures: dict) -> list[Section]:
    headings = [
        _("Revenue"),
        _("Billed customers"),
        _("Instances in service"),
        _("Customers holding it"),
        _("New instances"),
    ]

    def numbers(row):
        return [
            row["revenue"],
            row["billed_customers"],
            row["instances"],
            row["holders"],
            row["new_instances"],
        ]

    return [
        Section(
            _("By product"),
            [_("Code"), _("Product"), *headings],
            [[row["code"], row["label"], *numbers(row)] for row in figures["by_product"]],
        ),
        Section(
            _("By product category"),
            [_("Category"), *headings],
            [[row["label"], *numbers(row)] for row in figures["by_category"]],
        ),
    ]


def satisfaction_sections(figures: dict) -> list[Section]:
    def averages(title, heading, rows):
        return Section(
            title,
            [heading, _("Average score"), _("Scores")],
            [[r["label"], r["average"], r["count"]] for r in rows],
        )

    by_month = figures["by_month"]
    return [
        averages(_("Average score by level"), _("Level"), figures["by_level"]),
        averages(_("Average score by industry"), _("Industry"), figures["by_industry"]),
        Section(
            _("Average score by month"),
            [_("Month"), _("Average score"), _("Scores")],
            [
                [month, average, count]
                for month, average, count in zip(
                    by_month["months"], by_month["average"], by_month["count"], strict=True
                )
            ],
        ),
        Section(
            _("Score distribution"),
            [_("Score band"), _("Scores")],
            [[band["label"], band["count"]] for band in figures["distribution"]],
        ),
    ]


def value_sections(figures: dict) -> list[Section]:
    churn, clv = figures["churn"], figures["clv"]
    return [
        Section(
            _("Revenue per month"),
            [
                _("Month"),
                _("Paid revenue"),
                _("Active customers"),
                _("ARPU"),
                _("Month on month %"),
                _("Year on year %"),
            ],
            [
                [
                    m["month"],
                    m["revenue"],
                    m["active_customers"],
                    m["arpu"],
                    m["mom"],
                    m["yoy"],
                ]
                for m in figures["months"]
            ],
        ),
        Section(
            _("Customer lifetime value"),
            [_("Figure"), _("Value")],
            [
                [_("Customers churned in the period"), churn["churned"]],
                [_("Customer-months"), churn["customer_months"]],
                [_("Monthly churn rate %"), churn["monthly_rate"]],
                [_("Expected lifetime (months)"), churn["expected_lifetime_months"]],
                [_("Billed customers"), clv["billed_customers"]],
                [_("Average monthly revenue per customer"), clv["average_monthly_revenue"]],
                [_("Average customer lifetime value"), clv["average"]],
            ],
        ),
        Section(
            _("Top customers by revenue"),
            [
                _("Rank"),
                _("Customer number"),
                _("Customer"),
                _("Level"),
                _("Paid revenue"),
                _("Billed months"),
                _("Average monthly revenue"),
                _("Lifetime value"),
            ],
            [
                [
                    row["rank"],
                    row["number"],
                    row["name"],
                    row["level"],
                    row["revenue"],
                    row["billed_months"],
                    row["average_monthly_revenue"],
                    row["clv"],
                ]
                for row in figures["top"]
            ],
        ),
    ]


def pricing_sections(figures: dict) -> list[Section]:
    uptake = figures["uptake"]
    return [
        Section(
            _("New product instances per month"),
            [_("Product"), *uptake["months"], _("Total")],
            [[row["label"], *row["counts"], row["total"]] for row in uptake["products"]],
        ),
        Section(
            _("Average monthly fee against list price"),
            [
                _("Code"),
                _("Product"),
                _("List price"),
                _("Average monthly fee"),
                _("Discount %"),
                _("Instances"),
            ],
            [
                [
                    row["code"],
                    row["label"],
                    row["list_price"],
                    row["average_fee"],
                    row["discount"],
                    row["instances"],
                ]
                for row in figures["prices"]
            ],
        ),
        Section(
            _("Distribution of discounts"),
            [_("Discount"), _("Instances")],
            [[band["label"], band["count"]] for band in figures["discount_distribution"]],
        ),
    ]
