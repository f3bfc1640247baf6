"""API of customer levels and membership cards (R2.2).

Standards (CRUD + activate), re-grading runs (create = start, retrieve = progress),
proposals (approve/reject, one or many), level changes (history + override), membership
cards (apply + transitions) and the annual review. Proposals, changes and cards are visible
exactly when their customer is.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from province.customers.choices import CustomerLevel
from province.customers.models import Customer
from province.levels import services
from province.levels.filters import (
    LevelChangeFilterSet,
    LevelProposalFilterSet,
    MembershipCardFilterSet,
)
from province.levels.models import (
    LevelChange,
    LevelProposal,
    LevelRule,
    LevelStandard,
    MembershipCard,
    RegradingRun,
)
from province.levels.selectors import annual_review
from province.levels.tasks import start_and_queue
from shared.api.viewsets import TenantModelViewSet

DECIDE = ("levels.view_levelproposal", "levels.decide_levelproposal")
CARD_CHANGE = ("levels.view_membershipcard", "levels.change_membershipcard")


def _visible_customers(request):
    return Customer.objects.visible_to(request.user).filter(merged_into__isnull=True)


# --- serializers -------------------------------------------------------------------------


class LevelRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelRule
        fields = ["level", "min_avg_monthly_paid", "min_tenure_months", "min_active_products"]


class LevelStandardSerializer(serializers.ModelSerializer):
    rules = LevelRuleSerializer(many=True)

    class Meta:
        model = LevelStandard
        fields = [
            "id",
            "name",
            "effective_from",
            "months",
            "strategic_min_level",
            "validity_months",
            "is_active",
            "rules",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_active", "created_at", "updated_at"]


class RegradingRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    started_by_name = serializers.CharField(source="started_by.username", read_only=True)

    class Meta:
        model = RegradingRun
        fields = [
            "id",
            "standard",
            "as_of",
            "status",
            "started_by",
            "started_by_name",
            "started_at",
            "finished_at",
            "total",
            "done",
            "percent",
            "proposals",
            "upgrades",
            "downgrades",
            "error",
        ]
        read_only_fields = [f for f in fields if f != "as_of"]
        extra_kwargs = {"as_of": {"required": False}}


class LevelProposalSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = LevelProposal
        fields = [
            "id",
            "run",
            "customer",
            "customer_number",
            "customer_name",
            "current_level",
            "proposed_level",
            "avg_monthly_paid",
            "tenure_months",
            "active_products",
            "status",
            "decided_by",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields


class ProposalDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProposalBulkDecisionSerializer(ProposalDecisionSerializer):
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=services.MAX_BATCH,
    )


class LevelChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = LevelChange
        fields = [
            "id",
            "customer",
            "from_level",
            "to_level",
            "source",
            "proposal",
            "reason",
            "actor",
            "actor_name",
            "at",
            "valid_until",
        ]
        read_only_fields = fields


class LevelOverrideSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    level = serializers.ChoiceField(choices=CustomerLevel.choices)
    reason = serializers.CharField(max_length=200)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customer"].queryset = _visible_customers(request)
        return fields


class MembershipCardSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = MembershipCard
        fields = [
            "id",
            "customer",
            "customer_name",
            "number",
            "level",
            "status",
            "applied_at",
            "issued_at",
            "valid_until",
            "replaced_by",
        ]
        read_only_fields = [f for f in fields if f != "customer"]
        validators = []  # the service answers a second live card with a 409 and a link

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customer"].queryset = _visible_customers(request)
        return fields


class CardCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True)


class AnnualReviewRowSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    current_level = serializers.CharField()
    qualifying_level = serializers.CharField()
    avg_monthly_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    tenure_months = serializers.IntegerField()
    active_products = serializers.IntegerField()
    card_number = serializers.CharField(allow_null=True)
    level_since = serializers.DateTimeField(allow_null=True)


# --- viewsets ----------------------------------------------------------------------------


class LevelStandardViewSet(TenantModelViewSet):
    queryset = LevelStandard.objects.prefetch_related("rules")
    serializer_class = LevelStandardSerializer
    action_permissions = {"activate": ("levels.view_levelstandard", "levels.change_levelstandard")}
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.save_standard(
            actor=self.request.user, rules=[dict(r) for r in data.pop("rules")], **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        rules = data.pop("rules", None)
        serializer.instance = services.save_standard(
            serializer.instance,
            actor=self.request.user,
            rules=None if rules is None else [dict(r) for r in rules],
            **data,
        )

    def perform_destroy(self, instance):
        services.delete_standard(instance, actor=self.request.user)

    @extend_schema(request=None, responses=LevelStandardSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        standard = services.activate_standard(self.get_object(), actor=request.user)
        return Response(self.get_serializer(standard).data)


class RegradingRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Creating a run starts the re-grading in a worker; poll the run for its progress."""

    queryset = RegradingRun.objects.select_related("started_by")
    serializer_class = RegradingRunSerializer
    filterset_fields = ["status"]
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.instance = start_and_queue(
                actor=self.request.user, as_of=serializer.validated_data.get("as_of")
            )


class LevelProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = LevelProposal.objects.select_related("customer")
    serializer_class = LevelProposalSerializer
    filterset_class = LevelProposalFilterSet
    action_permissions = {
        "approve": DECIDE,
        "reject": DECIDE,
        "bulk_approve": DECIDE,
        "bulk_reject": DECIDE,
    }
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def _decide_one(self, request, approve: bool):
        proposal = self.get_object()
        payload = ProposalDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        (decided,) = services.decide_proposals(
            [proposal.pk],
            actor=request.user,
            approve=approve,
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(decided).data)

    def _decide_many(self, request, approve: bool):
        payload = ProposalBulkDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = services.decide_proposals(
            payload.validated_data["proposals"],
            actor=request.user,
            approve=approve,
            reason=payload.validated_data.get("reason", ""),
        )
        return Response({"decided": len(decided)})

    @extend_schema(request=ProposalDecisionSerializer, responses=LevelProposalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide_one(request, approve=True)

    @extend_schema(request=ProposalDecisionSerializer, responses=LevelProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide_one(request, approve=False)

    @extend_schema(
        request=ProposalBulkDecisionSerializer,
        responses=inline_serializer(
            "ProposalBulkApprovalResult", {"decided": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request):
        return self._decide_many(request, approve=True)

    @extend_schema(
        request=ProposalBulkDecisionSerializer,
        responses=inline_serializer(
            "ProposalBulkRejectionResult", {"decided": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-reject")
    def bulk_reject(self, request):
        return self._decide_many(request, approve=False)


class LevelChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's level history; ``override`` sets a level by hand with a reason."""

    queryset = LevelChange.objects.select_related("actor")
    serializer_class = LevelChangeSerializer
    filterset_class = LevelChangeFilterSet
    action_permissions = {
        "override": ("levels.view_levelchange", "levels.override_level"),
        "annual_review": ("levels.view_levelchange", "levels.review_members"),
    }
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @extend_schema(request=LevelOverrideSerializer, responses={201: LevelChangeSerializer})
    @action(detail=False, methods=["post"])
    def override(self, request):
        payload = LevelOverrideSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        change = services.override_level(
            payload.validated_data["customer"],
            payload.validated_data["level"],
            actor=request.user,
            reason=payload.validated_data["reason"],
        )
        return Response(self.get_serializer(change).data, status=201)

    @extend_schema(responses=AnnualReviewRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="annual-review", pagination_class=None)
    def annual_review(self, request):
        rows = annual_review(request.user, limit=services.MAX_BATCH)
        return Response(AnnualReviewRowSerializer(rows, many=True).data)


class MembershipCardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Membership cards; creating one is the member's application."""

    queryset = MembershipCard.objects.select_related("customer")
    serializer_class = MembershipCardSerializer
    filterset_class = MembershipCardFilterSet
    action_permissions = {
        "issue": CARD_CHANGE,
        "report_lost": CARD_CHANGE,
        "unblock": CARD_CHANGE,
        "reissue": CARD_CHANGE,
        "cancel": CARD_CHANGE,
    }
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.apply_card(
            serializer.validated_data["customer"], actor=self.request.user
        )

    def _transition(self, name: str, **kwargs):
        card = services.CARD_TRANSITIONS[name](self.get_object(), actor=self.request.user, **kwargs)
        return Response(self.get_serializer(card).data)

    @extend_schema(request=None, responses=MembershipCardSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._transition("issue")

    @extend_schema(request=None, responses=MembershipCardSerializer)
    @action(detail=True, methods=["post"], url_path="report-lost")
    def report_lost(self, request, pk=None):
        return self._transition("report_lost")

    @extend_schema(request=None, responses=MembershipCardSerializer)
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        return self._transition("unblock")

    @extend_schema(request=None, responses={200: MembershipCardSerializer})
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        """Returns the new card; the old one is cancelled and points to it."""
        return self._transition("reissue")

    @extend_schema(request=CardCancelSerializer, responses=MembershipCardSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        payload = CardCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transition("cancel", reason=payload.validated_data.get("reason", ""))
