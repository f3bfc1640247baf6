"""Reads of national redemption in a province: the inter-province settlement as HQ sent it
(R2.4.9, R6.5.3; docs/national-redemption.md).

The figures come from ``SettlementLine`` rows, HQ's lines that concern this province
(topic ``redemption.settlement``), never from HQ's tables: as home province this province
*owes* the serving provinces for its members' redemptions there; as serving province it
*is owed* by the home provinces of the visitors it served. Net = owed − owes.
"""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Max

from province.national.models import SettlementLine
from sync import directory

ZERO = Decimal("0.00")


def _figures() -> dict:
    return {
        "owes": ZERO,
        "owes_redemptions": 0,
        "owes_points": 0,
        "owed": ZERO,
        "owed_redemptions": 0,
        "owed_points": 0,
    }


def _add(figures: dict, line: SettlementLine, side: str) -> None:
    figures[side] += line.amount
    figures[f"{side}_redemptions"] += line.redemptions
    figures[f"{side}_points"] += line.points


def _with_net(figures: dict) -> dict:
    return {**figures, "net": figures["owed"] - figures["owes"]}


def settlement(months: list[date]) -> dict:
    """What this province owes and is owed in each of ``months`` (first days), per month,
    per counterpart province and month, per counterpart over the months, and in total.

    One query over the months' lines (a few dozen rows a month at most: one per pair of
    provinces with a committed national redemption)."""
    me = connection.schema_name
    names = {m.schema_name: m.display_name for m in directory.provinces()}
    lines = SettlementLine.objects.filter(month__in=months).order_by("month", "pk")
    per_month = {month: _figures() for month in months}
    per_pair: dict[tuple[date, str], dict] = {}
    per_province: dict[str, dict] = {}
    total = _figures()
    for line in lines:
        if line.home_province == me:
            side, other = "owes", line.serving_province
        elif line.serving_province == me:
            side, other = "owed", line.home_province
        else:  # not ours (HQ sends only our lines): never counted
            continue
        for figures in (
            per_month[line.month],
            per_pair.setdefault((line.month, other), _figures()),
            per_province.setdefault(other, _figures()),
            total,
        ):
            _add(figures, line, side)
    as_of = lines.aggregate(at=Max("produced_at"))["at"]
    return {
        "as_of": as_of,
        "months": [{"month": f"{month:%Y-%m}", **_with_net(per_month[month])} for month in months],
        "by_month_province": [
            {
                "month": f"{month:%Y-%m}",
                "province": other,
                "name": names.get(other, other),
                **_with_net(figures),
            }
            for (month, other), figures in sorted(per_pair.items())
        ],
        "by_province": [
            {"province": other, "name": names.get(other, other), **_with_net(figures)}
            for other, figures in sorted(per_province.items())
        ],
        "total": _with_net(total),
    }
