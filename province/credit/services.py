"""Business operations of customer credit (R2.3.1, R2.3.2); one transaction each.

- ``save_policy`` / ``delete_policy``: the credit policy and its four grade rules.
- ``assess_credit``: the set-based assessment run (formula in ``province.credit.assessment``).
- ``request_credit_change`` → ``approve_change_request`` / ``reject_change_request``: manual
  grade and limit with a second person's approval (never the requester's own).
- ``grant_temporary_credit``, ``grant_emergency_reconnection`` and their ``revoke_*``:
  relief for customers at gold level or above; ``expire_grants`` ends them when due.

Assessment runs and approvals of the same province are serialised by an advisory lock
(exclusive for the run, shared for approvals), so a run never overwrites a manual change
approved while it was computing.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from province.credit import assessment
from province.credit.choices import ChangeRequestStatus, ChangeSource, CreditGrade, GrantStatus
from province.credit.models import (
    CreditChange,
    CreditChangeRequest,
    CreditGradeRule,
    CreditPolicy,
    EmergencyReconnection,
    TemporaryCredit,
)
from province.credit.selectors import effective_limit
from province.customers.choices import CustomerLevel
from province.customers.models import Customer
from shared.errors import Conflict

APPROVE_PERMISSION = "credit.approve_creditchangerequest"
# Temporary credit and emergency reconnection are privileges of the high levels (R2.3.2).
RELIEF_LEVELS = (CustomerLevel.GOLD, CustomerLevel.DIAMOND)
MAX_RECONNECTION = timedelta(days=7)
RULE_FIELDS = (
    "min_score",
    "limit_multiplier",
    "grace_days",
    "suspension_pct",
    "deposit_required",
    "warning_pct",
)
_LOCK_NAME = "credit.assessment"


def _lock_assessments(*, shared: bool) -> None:
    # Advisory locks are per database, so the key includes the tenant's schema.
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtext(current_schema() || %s))", [f":{_LOCK_NAME}"])


# --- policy -----------------------------------------------------------------------------


def _validate_rules(rules: list[dict]) -> None:
    grades = [r.get("grade") for r in rules]
    if sorted(grades) != sorted(CreditGrade.values):
        raise ValidationError({"rules": _("Give exactly one rule for each grade A, B, C and D.")})
    by_grade = {r["grade"]: r for r in rules}
    scores = [Decimal(str(by_grade[g]["min_score"])) for g in CreditGrade.values]
    if any(not Decimal("0") <= s <= Decimal("100") for s in scores):
        raise ValidationError({"rules": _("Minimum scores lie between 0 and 100.")})
    if any(a <= b for a, b in zip(scores, scores[1:], strict=False)):
        raise ValidationError(
            {"rules": _("Minimum scores must fall strictly from grade A to grade D.")}
        )
    if scores[-1] != 0:
        raise ValidationError({"rules": _("Grade D must start at score 0.")})
    for rule in rules:
        for name in ("limit_multiplier", "suspension_pct", "warning_pct"):
            if Decimal(str(rule[name])) < 0:
                raise ValidationError(
                    {"rules": _("Multipliers and percentages cannot be negative.")}
                )
        if int(rule["grace_days"]) < 0:
            raise ValidationError({"rules": _("Grace days cannot be negative.")})


@transaction.atomic
def save_policy(
    policy: CreditPolicy | None = None,
    *,
    actor=None,
    name: str | None = None,
    is_active: bool | None = None,
    description: str | None = None,
    rules: list[dict] | None = None,
) -> CreditPolicy:
    """Create or change a policy; activating it deactivates the previously active one."""
    creating = policy is None
    if creating:
        if rules is None:
            raise ValidationError({"rules": _("Give the rules of the four grades.")})
        policy = CreditPolicy()
    else:
        policy = CreditPolicy.objects.select_for_update().get(pk=policy.pk)
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("This field is required.")})
        policy.name = name.strip()
    if not policy.name:
        raise ValidationError({"name": _("This field is required.")})
    if CreditPolicy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists():
        raise ValidationError({"name": _("Another policy already has this name.")})
    if description is not None:
        policy.description = description
    if is_active is not None:
        if policy.is_active and not is_active:
            raise Conflict(_("Activate another policy instead; one policy must stay active."))
        if is_active and not policy.is_active:
            CreditPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).update(
                is_active=False
            )
        policy.is_active = is_active
    if rules is not None:
        _validate_rules(rules)
    policy.stamp(actor)
    policy.save()
    if rules is not None:
        for rule in rules:
            CreditGradeRule.objects.update_or_create(
                policy=policy,
                grade=rule["grade"],
                defaults={name: rule[name] for name in RULE_FIELDS},
            )
    return policy


@transaction.atomic
def delete_policy(policy: CreditPolicy, *, actor=None) -> None:
    if policy.is_active:
        raise Conflict(_("The active policy cannot be deleted."))
    policy.stamp(actor)
    policy.delete()  # assessments protect the policies they were computed with (→ 409)


# --- assessment run ---------------------------------------------------------------------


@transaction.atomic
def assess_credit(*, as_of: date | None = None, actor=None) -> assessment.AssessmentResult:
    """Assess every active customer of the province with the active policy (R2.3.1)."""
    policy = CreditPolicy.objects.filter(is_active=True).first()
    if policy is None:
        raise Conflict(_("No credit policy is active."))
    _lock_assessments(shared=False)
    return assessment.run_assessment(
        policy_id=policy.pk,
        as_of=as_of or timezone.localdate(),
        now=timezone.now(),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        reason=_("Credit assessment"),
    )


# --- manual change with approval --------------------------------------------------------


def _clean_grade_and_limit(grade: str, limit) -> Decimal:
    if grade not in CreditGrade.values:
        raise ValidationError({"requested_grade": _("Choose grade A, B, C or D.")})
    try:
        limit = Decimal(str(limit))
    except ArithmeticError as exc:
        raise ValidationError({"requested_limit": _("Enter a number.")}) from exc
    if limit < 0 or not limit.is_finite():
        raise ValidationError({"requested_limit": _("The credit limit cannot be negative.")})
    return limit.quantize(Decimal("0.01"))


@transaction.atomic
def request_credit_change(
    customer: Customer,
    *,
    actor,
    requested_grade: str,
    requested_limit,
    reason: str,
    keep_until: date | None = None,
) -> CreditChangeRequest:
    """Ask for a manual grade and limit; nothing changes until someone else approves."""
    limit = _clean_grade_and_limit(requested_grade, requested_limit)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the credit should change.")})
    if keep_until is not None and keep_until < timezone.localdate():
        raise ValidationError({"keep_until": _("This day has already passed.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.credit_change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
        raise Conflict(
            _("The customer already has a pending credit change; decide that one first."),
            code="pending_request",
        )
    request = CreditChangeRequest(
        customer=customer,
        requested_grade=requested_grade,
        requested_limit=limit,
        reason=reason.strip(),
        keep_until=keep_until,
        requested_by=actor,
    )
    request.stamp(actor)
    request.save()
    return request


def _check_decider(request: CreditChangeRequest, actor) -> None:
    if not actor.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(_("You may not decide credit change requests."))
    if not Customer.objects.visible_to(actor).filter(pk=request.customer_id).exists():
        raise PermissionDenied(_("This customer is not in your area."))
    if request.requested_by_id == actor.pk:
        raise Conflict(
            _("You cannot decide your own credit change request; another approver must."),
            code="own_request",
        )
    if request.status != ChangeRequestStatus.PENDING:
        raise Conflict(
            _("This request has already been decided (%(status)s).")
            % {"status": request.get_status_display()},
            code="already_decided",
        )


@transaction.atomic
def approve_change_request(
    request: CreditChangeRequest, *, actor, note: str = ""
) -> CreditChangeRequest:
    """Approve: the customer gets the requested grade and limit, recorded in both histories."""
    _lock_assessments(shared=True)
    request = CreditChangeRequest.objects.select_for_update().get(pk=request.pk)
    _check_decider(request, actor)
    now = timezone.now()
    customer = Customer.objects.select_for_update().get(pk=request.customer_id)
    before = (customer.credit_grade, customer.credit_limit)
    customer.credit_grade = request.requested_grade
    customer.credit_limit = request.requested_limit
    customer.stamp(actor)
    customer._change_reason = _("Manual credit change")[:100]
    customer.save()
    request.status = ChangeRequestStatus.APPROVED
    request.decided_by, request.decided_at, request.decision_note = actor, now, note.strip()
    request.stamp(actor)
    request.save()
    CreditChange.objects.create(
        customer=customer,
        from_grade=before[0],
        to_grade=customer.credit_grade,
        from_limit=before[1],
        to_limit=customer.credit_limit,
        source=ChangeSource.MANUAL,
        actor=actor,
        at=now,
        reason=request.reason,
        request=request,
    )
    return request


@transaction.atomic
def reject_change_request(
    request: CreditChangeRequest, *, actor, note: str = ""
) -> CreditChangeRequest:
    request = CreditChangeRequest.objects.select_for_update().get(pk=request.pk)
    _check_decider(request, actor)
    if not note.strip():
        raise ValidationError({"decision_note": _("Say why the request is rejected.")})
    request.status = ChangeRequestStatus.REJECTED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = note.strip()
    request.stamp(actor)
    request.save()
    return request


# --- temporary credit and emergency reconnection ----------------------------------------


def _check_relief_level(customer: Customer) -> None:
    if customer.level not in RELIEF_LEVELS:
        raise Conflict(
            _(
                "Temporary credit and emergency reconnection are for gold and diamond customers "
                "only; this customer is %(level)s."
            )
            % {"level": customer.get_level_display()},
            code="level_too_low",
        )


@transaction.atomic
def grant_temporary_credit(
    customer: Customer,
    *,
    actor,
    extra_limit,
    starts_on: date,
    expires_on: date,
    reason: str,
) -> TemporaryCredit:
    """临时授信: raise the effective limit between two days (inclusive)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_relief_level(customer)
    try:
        extra = Decimal(str(extra_limit)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise ValidationError({"extra_limit": _("Enter a number.")}) from exc
    if extra <= 0:
        raise ValidationError({"extra_limit": _("The extra limit must be more than zero.")})
    if expires_on < starts_on:
        raise ValidationError({"expires_on": _("The expiry day cannot be before the start day.")})
    if expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("This day has already passed.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the credit is granted.")})
    before = effective_limit(customer)
    credit = TemporaryCredit(
        customer=customer,
        extra_limit=extra,
        starts_on=starts_on,
        expires_on=expires_on,
        reason=reason.strip(),
        granted_by=actor,
    )
    credit.stamp(actor)
    credit.save()
    after = effective_limit(customer)
    if after != before:  # a credit starting later changes nothing today
        _record_temporary_change(customer, before, after, actor, credit.reason)
    return credit


def _record_temporary_change(customer, before, after, actor, reason) -> None:
    # For temporary credit the history records the effective limit (limit + extras).
    CreditChange.objects.create(
        customer=customer,
        from_grade=customer.credit_grade,
        to_grade=customer.credit_grade,
        from_limit=before,
        to_limit=after,
        source=ChangeSource.TEMPORARY,
        actor=actor,
        at=timezone.now(),
        reason=reason[:500],
    )


@transaction.atomic
def revoke_temporary_credit(credit: TemporaryCredit, *, actor, reason: str = "") -> TemporaryCredit:
    credit = TemporaryCredit.objects.select_for_update().get(pk=credit.pk)
    if credit.status != GrantStatus.ACTIVE:
        raise Conflict(_("This temporary credit is no longer active."), code="not_active")
    before = effective_limit(credit.customer)
    credit.status = GrantStatus.REVOKED
    credit.stamp(actor)
    credit.save()
    after = effective_limit(credit.customer)
    if after != before:
        _record_temporary_change(
            credit.customer, before, after, actor, reason or _("Temporary credit revoked")
        )
    return credit


@transaction.atomic
def grant_emergency_reconnection(
    customer: Customer, *, actor, expires_at: datetime, reason: str
) -> EmergencyReconnection:
    """紧急开机: keep or restore service despite arrears until ``expires_at`` (≤ 7 days)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_relief_level(customer)
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if expires_at > now + MAX_RECONNECTION:
        raise ValidationError(
            {
                "expires_at": _("An emergency reconnection lasts at most %(days)d days.")
                % {"days": MAX_RECONNECTION.days}
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why service is reconnected.")})
    if customer.emergency_reconnections.filter(status=GrantStatus.ACTIVE).exists():
        raise Conflict(
            _("The customer already has an active emergency reconnection."),
            code="already_reconnected",
        )
    reconnection = EmergencyReconnection(
        customer=customer,
        requested_at=now,
        expires_at=expires_at,
        reason=reason.strip(),
        granted_by=actor,
    )
    reconnection.stamp(actor)
    reconnection.save()
    return reconnection


@transaction.atomic
def revoke_emergency_reconnection(
    reconnection: EmergencyReconnection, *, actor
) -> EmergencyReconnection:
    reconnection = EmergencyReconnection.objects.select_for_update().get(pk=reconnection.pk)
    if reconnection.status != GrantStatus.ACTIVE:
        raise Conflict(_("This reconnection is no longer active."), code="not_active")
    reconnection.status = GrantStatus.REVOKED
    reconnection.stamp(actor)
    reconnection.save()
    return reconnection


_EXPIRE_TEMPORARY_SQL = """
WITH expired AS (
    UPDATE {temporary} SET status = %(expired)s, updated_at = %(now)s
    WHERE status = %(active)s AND expires_on < %(today)s
    RETURNING customer_id, extra_limit
),
gone AS (
    SELECT customer_id, SUM(extra_limit) AS extra FROM expired GROUP BY customer_id
),
still AS (
    -- Reads the snapshot before the UPDATE; the expiring rows fail the date test anyway.
    SELECT customer_id, SUM(extra_limit) AS extra FROM {temporary}
    WHERE status = %(active)s AND starts_on <= %(today)s AND expires_on >= %(today)s
    GROUP BY customer_id
),
recorded AS (
    INSERT INTO {change} (customer_id, from_grade, to_grade, from_limit, to_limit, source,
                          actor_id, at, reason, assessment_id, request_id)
    SELECT c.id, c.credit_grade, c.credit_grade,
           c.credit_limit + COALESCE(s.extra, 0) + g.extra,
           c.credit_limit + COALESCE(s.extra, 0),
           %(source)s, NULL, %(now)s, %(reason)s, NULL, NULL
    FROM gone g
    JOIN {customer} c ON c.id = g.customer_id
    LEFT JOIN still s ON s.customer_id = g.customer_id
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM expired), (SELECT COUNT(*) FROM recorded)
"""


@transaction.atomic
def expire_grants(*, now: datetime | None = None) -> dict[str, int]:
    """Mark temporary credits past their last day and reconnections past their time expired.

    Set-based: one statement per kind. Each customer whose temporary credit expired gets
    one ``CreditChange`` (effective limit before → after).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    sql = _EXPIRE_TEMPORARY_SQL.format(
        temporary=TemporaryCredit._meta.db_table,
        change=CreditChange._meta.db_table,
        customer=Customer._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "expired": GrantStatus.EXPIRED.value,
                "active": GrantStatus.ACTIVE.value,
                "now": now,
                "today": today,
                "source": ChangeSource.TEMPORARY.value,
                "reason": _("Temporary credit expired"),
            },
        )
        credits, _changes = cursor.fetchone()
    reconnections = EmergencyReconnection.objects.filter(
        status=GrantStatus.ACTIVE, expires_at__lte=now
    ).update(status=GrantStatus.EXPIRED, updated_at=now)
    return {"temporary_credits": credits, "reconnections": reconnections}
