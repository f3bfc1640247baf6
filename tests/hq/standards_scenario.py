"""Drafts of every kind of national standard, as an HQ administrator would enter them."""

from datetime import date

from hq.standards import services

EFFECTIVE = date(2026, 12, 1)

LEVELS = {
    "months": 3,
    "strategic_min_level": "gold",
    "validity_months": 24,
    "rules": [
        {"level": "silver", "min_avg_monthly_paid": "300"},
        {"level": "gold", "min_avg_monthly_paid": "1000", "min_tenure_months": 12},
        {"level": "diamond", "min_avg_monthly_paid": "5000", "min_active_products": 3},
    ],
}
POINTS = {
    "rules": [
        {"code": "N-BASE", "name": "National base", "kind": "base", "points_per_yuan": "2"},
        {
            "code": "N-GOLD",
            "name": "Gold ×1.5",
            "kind": "level_multiplier",
            "level": "gold",
            "multiplier": "1.5",
        },
        {
            "code": "N-ONTIME",
            "name": "Paid on time",
            "kind": "bonus",
            "condition": "paid_on_time",
            "bonus_points": 10,
        },
    ]
}
VALIDITY = {"years_after": 3}
PRODUCTS = {
    "products": [
        {"code": "N5G", "name": "National 5G plan", "category": "mobile", "monthly_price": "199"},
        {"code": "NCLOUD", "name": "National cloud", "category": "cloud"},
    ]
}
# Service SLAs: hours (first response, resolution) and target % per level × request kind.
SLA_HOURS = {
    "standard": {"complaint": (24, 72, 90), "fault": (8, 48, 90), "consultation": (24, 48, 85)},
    "silver": {"complaint": (12, 48, 92), "fault": (4, 24, 92), "consultation": (12, 24, 90)},
    "gold": {"complaint": (4, 24, 95), "fault": (2, 12, 95), "consultation": (4, 12, 95)},
    "diamond": {"complaint": (2, 12, 98), "fault": (1, 8, 98), "consultation": (2, 8, 98)},
}


def sla_content(**changes) -> dict:
    """The SLA standard above; ``changes`` maps "level_kind" to (response, resolution, %)."""
    rows = []
    for level, kinds in SLA_HOURS.items():
        for kind, values in kinds.items():
            response, resolution, target = changes.get(f"{level}_{kind}", values)
            rows.append(
                {
                    "level": level,
                    "request_kind": kind,
                    "response_hours": str(response),
                    "resolution_hours": str(resolution),
                    "compliance_target": str(target),
                }
            )
    return {"slas": rows}


SLAS = sla_content()
CONTENT = {
    "levels": LEVELS,
    "points": POINTS,
    "validity": VALIDITY,
    "products": PRODUCTS,
    "slas": SLAS,
}


def draft_everything(actor=None) -> None:
    for kind, content in CONTENT.items():
        services.save_draft(kind, content, effective_from=EFFECTIVE, actor=actor)
