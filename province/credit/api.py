"""API of customer credit (R2.3.1, R2.3.2): policy, assessments, change requests with
approve/reject, credit history, arrears warnings, temporary credit and emergency
reconnection. Rows follow their customer's visibility; writes go through the services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from province.credit import services
from province.credit.choices import WarningAction
from province.credit.filters import (
    ArrearsWarningFilterSet,
    CreditAssessmentFilterSet,
    CreditChangeFilterSet,
    CreditChangeRequestFilterSet,
    EmergencyReconnectionFilterSet,
    TemporaryCreditFilterSet,
)
from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditChangeRequest,
    CreditGradeRule,
    CreditPolicy,
    EmergencyReconnection,
    TemporaryCredit,
)
from province.credit.selectors import arrears_warnings
from province.customers.models import Customer
from shared.api.permissions import requires
from shared.api.viewsets import TenantModelViewSet

CanApprove = requires(services.APPROVE_PERMISSION)
CanSeeWarnings = requires("credit.view_arrears_warnings")
CanRevokeTemporaryCredit = requires("credit.change_temporarycredit")
CanRevokeReconnection = requires("credit.change_emergencyreconnection")


class _VisibleCustomerField:
    """The ``customer`` field offers only the customers the user may see (else 400)."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "customer" in fields and not fields["customer"].read_only:
            fields["customer"].queryset = Customer.objects.visible_to(request.user)
        return fields


# --- policy -----------------------------------------------------------------------------


class CreditGradeRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditGradeRule
        fields = [
            "grade",
            "min_score",
            "limit_multiplier",
            "grace_days",
            "suspension_pct",
            "deposit_required",
            "warning_pct",
        ]
        validators = []  # the service checks the set of rules as a whole


class CreditPolicySerializer(serializers.ModelSerializer):
    rules = CreditGradeRuleSerializer(many=True)

    class Meta:
        model = CreditPolicy
        fields = ["id", "name", "is_active", "description", "rules", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}, "is_active": {"validators": []}}
        validators = []  # "one active policy" is the service's job: it deactivates the old one


class CreditPolicyViewSet(TenantModelViewSet):
    queryset = CreditPolicy.objects.prefetch_related("rules")
    serializer_class = CreditPolicySerializer
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.instance = services.save_policy(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_policy(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_policy(instance, actor=self.request.user)


# --- assessments and history ------------------------------------------------------------


class CreditAssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditAssessment
        fields = [
            "id",
            "customer",
            "policy",
            "computed_at",
            "as_of",
            "score",
            "grade",
            "credit_limit",
            "bills_due",
            "bills_on_time",
            "on_time_ratio",
            "arrears",
            "tenure_years",
            "avg_monthly_bill",
            "previous_grade",
            "previous_limit",
            "applied",
        ]


class CreditAssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CreditAssessment.objects.all()
    serializer_class = CreditAssessmentSerializer
    filterset_class = CreditAssessmentFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class CreditChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = CreditChange
        fields = [
            "id",
            "customer",
            "from_grade",
            "to_grade",
            "from_limit",
            "to_limit",
            "source",
            "actor",
            "actor_name",
            "at",
            "reason",
            "assessment",
            "request",
        ]


class CreditChangeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CreditChange.objects.select_related("actor")
    serializer_class = CreditChangeSerializer
    filterset_class = CreditChangeFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


# --- change requests --------------------------------------------------------------------


class CreditChangeRequestSerializer(_VisibleCustomerField, serializers.ModelSerializer):
    class Meta:
        model = CreditChangeRequest
        fields = [
            "id",
            "customer",
            "requested_grade",
            "requested_limit",
            "reason",
            "keep_until",
            "requested_by",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = [
            "requested_by",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        validators = []


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CreditChangeRequestViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = CreditChangeRequest.objects.select_related("customer")
    serializer_class = CreditChangeRequestSerializer
    filterset_class = CreditChangeRequestFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.request_credit_change(
            customer, actor=self.request.user, **data
        )

    def _decide(self, request, decide):
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = decide(self.get_object(), actor=request.user, note=payload.validated_data["note"])
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=DecisionSerializer, responses=CreditChangeRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[CanApprove])
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_change_request)

    @extend_schema(request=DecisionSerializer, responses=CreditChangeRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[CanApprove])
    def reject(self, request, pk=None):
        return self._decide(request, services.reject_change_request)


# --- warnings ---------------------------------------------------------------------------


class ArrearsWarningSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Customer id.")
    number = serializers.CharField()
    name = serializers.CharField()
    account_manager = serializers.IntegerField(source="account_manager_id", allow_null=True)
    org_unit = serializers.IntegerField(source="org_unit_id")
    level = serializers.CharField()
    credit_grade = serializers.CharField()
    arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_limit = serializers.DecimalField(max_digits=14, decimal_places=2)
    effective_limit = serializers.DecimalField(max_digits=14, decimal_places=2)
    ratio = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    overdue_days = serializers.IntegerField()
    grace_days = serializers.IntegerField()
    deposit_required = serializers.BooleanField()
    action = serializers.ChoiceField(choices=WarningAction.choices)


class ArrearsWarningViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers whose arrears reached the warning threshold of their limit (R2.3.2)."""

    queryset = Customer.objects.none()  # for the schema generator; the rows come below
    serializer_class = ArrearsWarningSerializer
    filterset_class = ArrearsWarningFilterSet
    permission_classes = [CanSeeWarnings]
    ordering = ("-id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        visible = Customer.objects.visible_to(self.request.user)
        return arrears_warnings(visible, today=timezone.localdate())


# --- temporary credit and emergency reconnection ----------------------------------------


class TemporaryCreditSerializer(_VisibleCustomerField, serializers.ModelSerializer):
    class Meta:
        model = TemporaryCredit
        fields = [
            "id",
            "customer",
            "extra_limit",
            "starts_on",
            "expires_on",
            "reason",
            "granted_by",
            "status",
            "created_at",
        ]
        read_only_fields = ["granted_by", "status", "created_at"]
        validators = []


class TemporaryCreditViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = TemporaryCredit.objects.all()
    serializer_class = TemporaryCreditSerializer
    filterset_class = TemporaryCreditFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.grant_temporary_credit(
            customer, actor=self.request.user, **data
        )

    @extend_schema(request=None, responses=TemporaryCreditSerializer)
    @action(detail=True, methods=["post"], permission_classes=[CanRevokeTemporaryCredit])
    def revoke(self, request, pk=None):
        revoked = services.revoke_temporary_credit(self.get_object(), actor=request.user)
        return Response(self.get_serializer(revoked).data)


class EmergencyReconnectionSerializer(_VisibleCustomerField, serializers.ModelSerializer):
    class Meta:
        model = EmergencyReconnection
        fields = [
            "id",
            "customer",
            "requested_at",
            "expires_at",
            "reason",
            "granted_by",
            "status",
        ]
        read_only_fields = ["requested_at", "granted_by", "status"]
        validators = []


class EmergencyReconnectionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = EmergencyReconnection.objects.all()
    serializer_class = EmergencyReconnectionSerializer
    filterset_class = EmergencyReconnectionFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.grant_emergency_reconnection(
            customer, actor=self.request.user, **data
        )

    @extend_schema(request=None, responses=EmergencyReconnectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[CanRevokeReconnection])
    def revoke(self, request, pk=None):
        revoked = services.revoke_emergency_reconnection(self.get_object(), actor=request.user)
        return Response(self.get_serializer(revoked).data)
