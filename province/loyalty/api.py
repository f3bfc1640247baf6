"""API of the points ledger (R2.4.1, R2.4.5, R2.4.6, R2.4.7, R6.5.2).

Read-only balances (``accounts``), lots and history (``entries``); accrual runs (create =
start in a worker, retrieve = progress); manual adjustments (create = request, posted at
once up to the threshold, else approve/reject); points about to expire. Customer-owned rows
are visible exactly when their customer is (``visible_to``); every list is ordered for the
cursor pagination.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from province.customers.models import Customer
from province.loyalty import services
from province.loyalty.choices import EntryKind
from province.loyalty.filters import (
    AccrualRunFilterSet,
    AdjustmentRequestFilterSet,
    PointsAccountFilterSet,
    PointsEntryFilterSet,
    PointsLotFilterSet,
)
from province.loyalty.models import (
    AccrualRun,
    AdjustmentRequest,
    PointsAccount,
    PointsEntry,
    PointsLot,
)
from province.loyalty.selectors import DEFAULT_WARNING_DAYS, expiring_points
from province.loyalty.tasks import accrue_points_task, start_accrual_and_queue

MAX_WARNING_DAYS = 366
DECIDE = ("loyalty.view_adjustmentrequest", "loyalty.approve_adjustmentrequest")
START_RUN = ("loyalty.view_accrualrun", "loyalty.add_accrualrun")


def _visible_customers(request):
    return Customer.objects.visible_to(request.user).filter(merged_into__isnull=True)


class _Scoped:
    """Rows the user may see (R9.2), newest first unless the viewset says otherwise."""

    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


# --- serializers -------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    """A billing month written ``YYYY-MM``; stored as its first day."""

    default_error_messages = {"invalid": gettext_lazy("Enter a month as YYYY-MM.")}

    def to_internal_value(self, data) -> date:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            year, month = data.strip().split("-")
            if len(year) != 4 or len(month) != 2:
                raise ValueError
            return date(int(year), int(month), 1)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")


class PointsAccountSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = PointsAccount
        fields = [
            "id",
            "customer",
            "customer_number",
            "customer_name",
            "balance",
            "held",
            "available",
            "updated_at",
        ]
        read_only_fields = fields


class PointsLotSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsLot
        fields = [
            "id",
            "customer",
            "entry",
            "points",
            "remaining",
            "earned_on",
            "expires_at",
            "expired",
            "expired_at",
        ]
        read_only_fields = fields


# Inline in the schema (wrapped so that the enum post-processing leaves it alone): a component
# named after the field ("KindEnum") would collide with the org unit kind and rename that
# published component.
@extend_schema_field({"allOf": [{"type": "string", "enum": EntryKind.values}]})
class EntryKindField(serializers.ChoiceField):
    pass


class PointsEntrySerializer(serializers.ModelSerializer):
    kind = EntryKindField(choices=EntryKind.choices, read_only=True)

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "customer",
            "kind",
            "points",
            "idempotency_key",
            "reference",
            "rule",
            "reverses",
            "settles",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class AccrualRunSerializer(serializers.ModelSerializer):
    period = MonthField(help_text=gettext_lazy("The billing month, YYYY-MM."))
    percent = serializers.IntegerField(read_only=True)
    started_by_name = serializers.CharField(
        source="started_by.username", read_only=True, default=None
    )

    class Meta:
        model = AccrualRun
        fields = [
            "id",
            "period",
            "status",
            "started_by",
            "started_by_name",
            "started_at",
            "finished_at",
            "total",
            "done",
            "percent",
            "entries_created",
            "points_created",
            "error",
        ]
        read_only_fields = [f for f in fields if f != "period"]


class AdjustmentRequestSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    requested_by_name = serializers.CharField(
        source="created_by.username", read_only=True, default=None
    )

    class Meta:
        model = AdjustmentRequest
        fields = [
            "id",
            "customer",
            "customer_number",
            "customer_name",
            "points",
            "reason",
            "status",
            "created_by",
            "requested_by_name",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "entry",
        ]
        read_only_fields = [f for f in fields if f not in ("customer", "points", "reason")]
        # The service says why a reason is needed (and trims it).
        extra_kwargs = {"reason": {"allow_blank": True}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customer"].queryset = _visible_customers(request)
        return fields


class AdjustmentDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ExpiringPointsSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    customer_number = serializers.CharField(source="customer__number")
    customer_name = serializers.CharField(source="customer__name")
    account_manager_name = serializers.CharField(
        source="customer__account_manager__name", allow_null=True
    )
    expires_at = serializers.DateField()
    points = serializers.IntegerField()


class ExpiringQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_WARNING_DAYS, required=False, default=DEFAULT_WARNING_DAYS
    )


# --- viewsets ----------------------------------------------------------------------------


class PointsAccountViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    """Balance, held and available points per customer (R2.4.1, R6.5.2)."""

    queryset = PointsAccount.objects.select_related("customer")
    serializer_class = PointsAccountSerializer
    filterset_class = PointsAccountFilterSet


class PointsLotViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    """Lots with their expiry and what remains, soonest expiry first (R2.4.1, R6.5.2)."""

    queryset = PointsLot.objects.all()
    serializer_class = PointsLotSerializer
    filterset_class = PointsLotFilterSet
    ordering = ("expires_at", "id")


class PointsEntryViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    """The points history, newest first (R2.4.1, R6.5.2)."""

    queryset = PointsEntry.objects.all()
    serializer_class = PointsEntrySerializer
    filterset_class = PointsEntryFilterSet


class AccrualRunViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Creating a run starts the accrual of a month in a worker; poll it for progress
    (R2.4.6). ``resume`` sets a failed run going again after its last committed chunk."""

    queryset = AccrualRun.objects.select_related("started_by")
    serializer_class = AccrualRunSerializer
    filterset_class = AccrualRunFilterSet
    action_permissions = {"resume": START_RUN}

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.instance = start_accrual_and_queue(
                serializer.validated_data["period"], actor=self.request.user
            )

    @extend_schema(request=None, responses=AccrualRunSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        with transaction.atomic():
            run = services.resume_run(self.get_object())
            transaction.on_commit(lambda: accrue_points_task.delay(run.pk))
        return Response(self.get_serializer(run).data)


class AdjustmentRequestViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Manual adjustments with a reason (R2.4.7): creating one posts it at once up to the
    threshold, else it waits; another user with the approval right approves or rejects."""

    queryset = AdjustmentRequest.objects.select_related("customer", "created_by")
    serializer_class = AdjustmentRequestSerializer
    filterset_class = AdjustmentRequestFilterSet
    action_permissions = {"approve": DECIDE, "reject": DECIDE}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.request_adjustment(
            data["customer"], data["points"], actor=self.request.user, reason=data["reason"]
        )

    def _decide(self, request, approve: bool):
        adjustment = self.get_object()
        payload = AdjustmentDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = services.decide_adjustment(
            adjustment,
            actor=request.user,
            approve=approve,
            note=payload.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=AdjustmentDecisionSerializer, responses=AdjustmentRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=AdjustmentDecisionSerializer, responses=AdjustmentRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A rejection needs a note saying why."""
        return self._decide(request, approve=False)


class ExpiringPointsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Points that lapse within ``days`` days (default 30), per customer and expiry date,
    soonest first (R2.4.5); only customers the user may see."""

    queryset = PointsLot.objects.all()  # for the role permission (view_pointslot)
    serializer_class = ExpiringPointsSerializer
    filter_backends = [OrderingFilter]
    ordering = ("expires_at", "customer_id")
    ordering_fields = ["expires_at"]

    within_days = DEFAULT_WARNING_DAYS

    def get_queryset(self):
        return expiring_points(self.request.user, within_days=self.within_days)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days", int, description=gettext_lazy("Within this many days (1–366, default 30).")
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        query = ExpiringQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # after the permission check: 403 before 400
        self.within_days = query.validated_data["days"]
        return super().list(request, *args, **kwargs)
