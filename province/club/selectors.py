"""Read queries of the club (R11.1): the rules in force, eligible customers (one set-based
query), memberships and allowances. Everything a user reads goes through ``visible_to``."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from province.club.choices import LIVE_STATUSES
from province.club.models import BenefitUsage, ClubMembership, ClubRules
from province.customers.choices import BillStatus, CustomerStatus
from province.customers.models import Bill, Customer


def current_rules() -> ClubRules | None:
    """The highest version HQ has sent, or None before the first publication."""
    return ClubRules.objects.order_by("-version").first()


def eligible_customers(rules: ClubRules, customers: QuerySet | None = None) -> QuerySet:
    """Customers the entry rules admit and who are not members yet, as one query:
    level at least the minimum and giving a tier, tenure, active, not merged, and (if the
    rules say so) no overdue unpaid bill."""
    today = timezone.localdate()
    content = rules.content
    queryset = (Customer.objects.all() if customers is None else customers).filter(
        status=CustomerStatus.ACTIVE,
        merged_into__isnull=True,
        level__in=rules.admitted_levels,
        joined_on__lte=today - relativedelta(months=content["min_tenure_months"]),
    )
    queryset = queryset.exclude(
        Exists(ClubMembership.objects.filter(customer=OuterRef("pk"), status__in=LIVE_STATUSES))
    )
    if content["exclude_arrears"]:
        queryset = queryset.exclude(
            Exists(
                Bill.objects.filter(
                    customer=OuterRef("pk"),
                    status__in=[BillStatus.OPEN, BillStatus.PARTIAL],
                    due_date__lt=today,
                )
            )
        )
    return queryset


def memberships(user) -> QuerySet:
    return ClubMembership.objects.visible_to(user).select_related("customer")


def used_in_year(membership: ClubMembership, benefit: str, year: int) -> int:
    total = BenefitUsage.objects.filter(
        membership=membership,
        benefit=benefit,
        used_on__gte=date(year, 1, 1),
        used_on__lt=date(year + 1, 1, 1),
    ).aggregate(total=Sum("quantity"))["total"]
    return total or 0


@dataclass(frozen=True)
class Allowance:
    code: str
    name: str
    kind: str
    yearly: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.yearly - self.used)


def allowances(membership: ClubMembership, rules: ClubRules | None, year: int) -> list[Allowance]:
    """Each benefit of the member's tier with what is used of it this year (one query)."""
    tier = rules.tier(membership.tier) if rules else None
    if tier is None:
        return []
    used = dict(
        BenefitUsage.objects.filter(
            membership=membership, used_on__gte=date(year, 1, 1), used_on__lt=date(year + 1, 1, 1)
        )
        .values_list("benefit")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return [
        Allowance(
            b["code"], benefit_name(b), b["kind"], b["yearly_allowance"], used.get(b["code"], 0)
        )
        for b in tier["benefits"]
    ]


def localized_name(item: dict) -> str:
    from django.utils.translation import get_language

    return item["name_en"] if (get_language() or "").startswith("en") else item["name_zh"]


benefit_name = localized_name
tier_name = localized_name
