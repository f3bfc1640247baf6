"""Read queries of HQ's club pages: the roster with filters and the usage statistics per
province, tier, benefit and month (R11.1), each one aggregate query."""

from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth

from hq.club.models import ClubMember, ClubTier, ClubUsage
from sync import directory


def roster(user, *, province: str = "", tier: str = "", status: str = "", q: str = "") -> QuerySet:
    rows = ClubMember.objects.visible_to(user)
    if province:
        rows = rows.filter(home_province=province)
    if tier:
        rows = rows.filter(tier=tier)
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(card_number__startswith=q.strip())
    return rows.order_by("home_province", "card_number")


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
