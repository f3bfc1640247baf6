"""Read queries of the credit app (R2.3.1, R2.3.2): set-based, one SQL query each.

- ``active_policy`` and its rules by grade.
- ``effective_limits``: credit limit + temporary credits in force, per customer.
- ``arrears_warnings``: customers whose arrears reached the warning percentage of their
  effective limit, with the arrears policy's suggested action.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from province.credit.choices import CreditGrade, GrantStatus, WarningAction
from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditGradeRule,
    CreditPolicy,
    EmergencyReconnection,
    TemporaryCredit,
)
from province.customers.models import Customer

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY_FIELD)
# A customer never assessed has no grade yet: the strictest rule applies to them.
UNGRADED_AS = CreditGrade.D


def active_policy() -> CreditPolicy | None:
    return CreditPolicy.objects.filter(is_active=True).prefetch_related("rules").first()


def rules_by_grade(policy: CreditPolicy) -> dict[str, CreditGradeRule]:
    return {rule.grade: rule for rule in policy.rules.all()}


def temporary_credit_in_force(on: date | None = None) -> QuerySet:
    """Temporary credits that count today: active and ``starts_on ≤ on ≤ expires_on``.

    The dates decide, not only the status, so a credit past its day stops counting even
    before the expiry run has marked it.
    """
    on = on or timezone.localdate()
    return TemporaryCredit.objects.filter(
        status=GrantStatus.ACTIVE, starts_on__lte=on, expires_on__gte=on
    )


def _extra_limit_subquery(on: date | None = None) -> Subquery:
    extra = (
        temporary_credit_in_force(on)
        .filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum("extra_limit"))
        .values("total")
    )
    return Subquery(extra, output_field=MONEY_FIELD)


def with_effective_limit(queryset: QuerySet, on: date | None = None) -> QuerySet:
    """Annotate customers with ``extra_limit`` and ``effective_limit`` (limit + extra)."""
    return queryset.annotate(
        extra_limit=Coalesce(_extra_limit_subquery(on), ZERO),
        effective_limit=ExpressionWrapper(
            F("credit_limit") + Coalesce(_extra_limit_subquery(on), ZERO),
            output_field=MONEY_FIELD,
        ),
    )


def effective_limit(customer: Customer, on: date | None = None) -> Decimal:
    row = with_effective_limit(Customer.objects.filter(pk=customer.pk), on).values(
        "effective_limit"
    )
    return row[0]["effective_limit"] if row else Decimal("0")


def latest_assessment(customer: Customer) -> CreditAssessment | None:
    return customer.credit_assessments.order_by("-computed_at", "-id").first()


def credit_history(customer: Customer) -> QuerySet:
    return CreditChange.objects.filter(customer=customer).select_related("actor")


@dataclass(frozen=True)
class _Rule:
    grade: str
    warning_pct: Decimal
    suspension_pct: Decimal
    grace_days: int
    deposit_required: bool


def _rules(policy: CreditPolicy) -> list[_Rule]:
    return [
        _Rule(r.grade, r.warning_pct, r.suspension_pct, r.grace_days, r.deposit_required)
        for r in policy.rules.all()
    ]


def _per_grade(rules: list[_Rule], attribute: str, output_field):
    """A CASE over the customer's grade picking ``attribute`` of that grade's rule."""
    fallback = next((getattr(r, attribute) for r in rules if r.grade == UNGRADED_AS), None)
    return Case(
        *[
            When(credit_grade=r.grade, then=Value(getattr(r, attribute), output_field=output_field))
            for r in rules
        ],
        default=Value(fallback, output_field=output_field),
        output_field=output_field,
    )


def arrears_warnings(
    customers: QuerySet, *, policy: CreditPolicy | None = None, today: date | None = None
) -> QuerySet:
    """Customers (of ``customers``, already scoped to the user) near or over their limit.

    One grouped query over the overdue bills: arrears (unpaid part of bills past their due
    date), the oldest overdue due date, the effective limit (limit + temporary credit in
    force), the ratio, and the suggested action of the customer's grade rule:

    - ``suspend`` when the oldest overdue bill is more than ``grace_days`` past due and the
      arrears exceed ``suspension_pct`` of the effective limit (any arrears when it is 0);
    - ``reconnected`` instead of ``suspend`` while an emergency reconnection is in force;
    - ``warn`` otherwise.

    Listed: arrears ≥ ``warning_pct`` of the effective limit, or any arrears with limit 0.
    """
    policy = policy or active_policy()
    today = today or timezone.localdate()
    if policy is None:
        return customers.none()
    rules = _rules(policy)
    percent = DecimalField(max_digits=6, decimal_places=2)
    overdue = Q(bills__due_date__lt=today, bills__amount_paid__lt=F("bills__amount_due"))
    reconnected = EmergencyReconnection.objects.filter(
        customer=OuterRef("pk"), status=GrantStatus.ACTIVE, expires_at__gt=timezone.now()
    )
    queryset = (
        customers.filter(merged_into__isnull=True)
        .filter(overdue)
        .annotate(
            arrears=Sum(F("bills__amount_due") - F("bills__amount_paid"), output_field=MONEY_FIELD),
            oldest_due=Min("bills__due_date"),
        )
    )
    queryset = with_effective_limit(queryset, today).annotate(
        overdue_days=Func(
            Value(today),
            F("oldest_due"),
            arg_joiner=" - ",
            template="(%(expressions)s)",
            output_field=IntegerField(),
        ),
        ratio=Case(
            When(effective_limit__gt=0, then=F("arrears") / F("effective_limit")),
            default=None,
            output_field=DecimalField(max_digits=12, decimal_places=4),
        ),
        warning_pct=_per_grade(rules, "warning_pct", percent),
        suspension_pct=_per_grade(rules, "suspension_pct", percent),
        grace_days=_per_grade(rules, "grace_days", IntegerField()),
        deposit_required=_per_grade(rules, "deposit_required", BooleanField()),
        reconnected=Exists(reconnected),
    )
    over_suspension = Q(effective_limit=0) | Q(
        arrears__gt=F("effective_limit") * F("suspension_pct") / 100
    )
    queryset = queryset.annotate(
        action=Case(
            When(
                over_suspension & Q(overdue_days__gt=F("grace_days")) & Q(reconnected=True),
                then=Value(WarningAction.RECONNECTED),
            ),
            When(
                over_suspension & Q(overdue_days__gt=F("grace_days")),
                then=Value(WarningAction.SUSPEND),
            ),
            default=Value(WarningAction.WARN),
            output_field=CharField(),
        )
    )
    return queryset.filter(
        Q(effective_limit=0) | Q(arrears__gte=F("effective_limit") * F("warning_pct") / 100)
    ).select_related("account_manager", "org_unit")
