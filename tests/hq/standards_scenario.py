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
CONTENT = {"levels": LEVELS, "points": POINTS, "validity": VALIDITY, "products": PRODUCTS}


def draft_everything(actor=None) -> None:
    for kind, content in CONTENT.items():
        services.save_draft(kind, content, effective_from=EFFECTIVE, actor=actor)
