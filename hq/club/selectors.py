"""Read queries of HQ's club pages: the roster with filters (members below the entry rules
among them), the usage statistics per province, tier, benefit and month, and the routed
visits with their figures per serving → home pair and per month (R11.1, R6.5.3), each one
aggregate query."""

from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth, TruncMonth
from django.utils import timezone

from hq.club.choices import MemberStatus, VisitStatus
from hq.club.models import ClubEntryRules, ClubMember, ClubTier, ClubUsage, VisitRouting
from shared.vocab.club import admitted_levels as shared_admitted_levels
from sync import directory


def admitted_levels() -> list[str]:
    """The levels HQ's entry rules admit as they are saved (what the next publication
    sends): at least the minimum level and qualifying for an active tier."""
    entry = ClubEntryRules.objects.order_by("id").first() or ClubEntryRules()
    tiers = ClubTier.objects.filter(is_active=True).values_list("levels", flat=True)
    return shared_admitted_levels(entry.min_level, (level for levels in tiers for level in levels))


def roster(
    user,
    *,
    province: str = "",
    tier: str = "",
    status: str = "",
    q: str = "",
    below: bool = False,
) -> QuerySet:
    """The national roster, filtered; ``below``: only members whose level (as the home
    province last reported it) the entry rules no longer admit, whatever their status, so
    HQ sees what its level-drop policy does to them (R11.1)."""
    rows = ClubMember.objects.visible_to(user)
    if below:
        rows = rows.exclude(level__in=admitted_levels())
    if province:
        rows = rows.filter(home_province=province)
    if tier:
        rows = rows.filter(tier=tier)
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(card_number__startswith=q.strip())
    return rows.order_by("home_province", "card_number")


def status_counts(rows: QuerySet) -> dict[str, int]:
    """How many of ``rows`` are in each status (every status, zeros included)."""
    counts = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in MemberStatus.values}


def tier_names() -> dict[str, str]:
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return {t.code: (t.name_en if english else t.name_zh) for t in ClubTier.objects.all()}


def province_names() -> dict[str, str]:
    return {m.schema_name: m.display_name for m in directory.provinces()}


def usage_statistics(user, year: int) -> dict:
    """Members and benefit usage of ``year``: per province (members by tier, usage), per
    tier, per benefit and per month; the figures the statistics page charts and exports."""
    usage = ClubUsage.objects.visible_to(user).filter(
        month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1)
    )
    provinces = province_names()
    tiers = tier_names()
    members = {
        (row["home_province"], row["tier"]): row["n"]
        for row in ClubMember.objects.visible_to(user)
        .filter(status="active")
        .values("home_province", "tier")
        .annotate(n=Count("id"))
        .order_by()
    }
    used_by_province = dict(
        usage.values_list("province").annotate(total=Sum("quantity")).order_by()
    )
    by_province = [
        {
            "province": schema,
            "name": name,
            "members": sum(n for (p, _t), n in members.items() if p == schema),
            "used": used_by_province.get(schema, 0),
        }
        for schema, name in provinces.items()
    ]
    by_tier = [
        {"tier": code, "name": name, "used": total or 0}
        for code, name, total in (
            (code, tiers.get(code, code), total)
            for code, total in usage.values_list("tier")
            .annotate(t=Sum("quantity"))
            .order_by("tier")
        )
    ]
    by_benefit = [
        {"benefit": code, "used": total or 0}
        for code, total in usage.values_list("benefit")
        .annotate(t=Sum("quantity"))
        .order_by("benefit")
    ]
    monthly = dict(
        usage.annotate(m=ExtractMonth("month"))
        .values_list("m")
        .annotate(t=Sum("quantity"))
        .order_by()
    )
    return {
        "year": year,
        "by_province": by_province,
        "by_tier": by_tier,
        "by_benefit": by_benefit,
        "by_month": [monthly.get(m, 0) for m in range(1, 13)],
        "total_members": sum(members.values()),
        "total_used": sum(used_by_province.values()),
    }


# --- routed visits (R6.5.3) --------------------------------------------------------------

TREND_MONTHS = 12


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def routed_visits(
    user,
    *,
    month: date | None = None,
    serving: str = "",
    home: str = "",
    status: str = "",
) -> QuerySet:
    """Visiting-member usage HQ routed, newest first; ``month`` is the month of use."""
    rows = _visits_by_province(user, serving=serving, home=home, status=status)
    if month is not None:
        month = month.replace(day=1)
        rows = rows.filter(used_on__gte=month, used_on__lt=_add_months(month, 1))
    return rows.order_by("-used_on", "-id")


def _visits_by_province(user, *, serving: str, home: str, status: str) -> QuerySet:
    rows = VisitRouting.objects.visible_to(user)
    if serving:
        rows = rows.filter(serving_province=serving)
    if home:
        rows = rows.filter(home_province=home)
    if status:
        rows = rows.filter(status=status)
    return rows


def visit_figures(
    user,
    *,
    month: date | None = None,
    serving: str = "",
    home: str = "",
    status: str = "",
    today: date | None = None,
) -> dict:
    """What the routed-visits page charts and exports.

    - ``pairs``: per serving → home province, visits by status and quantity, busiest first
      (the filters as the list applies them);
    - ``months``: visits and quantity per month over the ``TREND_MONTHS`` months ending with
      the chosen month (or this month), the other filters applied: a trend, not one bar.
    """
    names = province_names()
    rows = routed_visits(user, month=month, serving=serving, home=home, status=status)
    pairs: dict[tuple[str, str], dict] = {}
    for row in (
        rows.values("serving_province", "home_province", "status")
        .annotate(n=Count("id"), q=Sum("quantity"))
        .order_by()
    ):
        key = (row["serving_province"], row["home_province"])
        pair = pairs.setdefault(
            key,
            {
                "serving": key[0],
                "home": key[1],
                "serving_name": names.get(key[0], key[0]),
                "home_name": names.get(key[1], key[1]),
                **dict.fromkeys(VisitStatus.values, 0),
                "visits": 0,
                "quantity": 0,
            },
        )
        pair[row["status"]] = row["n"]
        pair["visits"] += row["n"]
        pair["quantity"] += row["q"] or 0
    last = (month or today or timezone.localdate()).replace(day=1)
    first = _add_months(last, 1 - TREND_MONTHS)
    per_month = {
        row["m"]: row
        for row in _visits_by_province(user, serving=serving, home=home, status=status)
        .filter(used_on__gte=first, used_on__lt=_add_months(last, 1))
        .annotate(m=TruncMonth("used_on"))
        .values("m")
        .annotate(n=Count("id"), q=Sum("quantity"))
        .order_by()
    }
    months = []
    for i in range(TREND_MONTHS):
        current = _add_months(first, i)
        row = per_month.get(current, {})
        months.append(
            {"month": f"{current:%Y-%m}", "visits": row.get("n", 0), "quantity": row.get("q") or 0}
        )
    ordered = sorted(pairs.values(), key=lambda p: (-p["visits"], p["serving"], p["home"]))
    return {
        "pairs": ordered,
        "months": months,
        "visits": sum(p["visits"] for p in ordered),
        "quantity": sum(p["quantity"] for p in ordered),
        "by_status": {value: sum(p[value] for p in ordered) for value in VisitStatus.values},
    }
