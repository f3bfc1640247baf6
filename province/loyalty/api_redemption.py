"""API of redemption (R2.4.4, R2.4.8, R6.5.1, R6.5.2).

- ``reward-items``: the catalogue; writes for points administrators, ``deactivate`` takes
  an item out (items are never deleted: redemptions refer to them).
- ``redemptions``: the history (filters as on the page), create = redeem, with an
  idempotency key from the ``Idempotency-Key`` header or the body (required; a replay of
  the same key answers 200 with the first redemption), ``cancel`` with a reason.
- ``auto-redemption-rules``: the automatic redemption rules (R2.4.8).

Redemptions are visible exactly when their customer is (``visible_to``).
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from province.customers.models import Customer
from province.loyalty import services
from province.loyalty.choices import RedemptionChannel
from province.loyalty.filters import RedemptionFilterSet, RewardItemFilterSet
from province.loyalty.forms_redemption import ITEM_FIELDS
from province.loyalty.models import AutoRedemptionRule, Redemption, RewardItem

CANCEL = ("loyalty.view_redemption", "loyalty.cancel_redemption")
DEACTIVATE = ("loyalty.view_rewarditem", "loyalty.change_rewarditem")


class _Scoped:
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


# --- serializers -------------------------------------------------------------------------


class RewardItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RewardItem
        fields = ["id", *ITEM_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class RedemptionSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    staff_name = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "number",
            "customer",
            "customer_number",
            "customer_name",
            "item",
            "item_name",
            "quantity",
            "unit_points",
            "points",
            "cost",
            "bill_credit",
            "balance_after",
            "channel",
            "status",
            "idempotency_key",
            "entry",
            "cancel_entry",
            "redeemed_at",
            "created_by",
            "staff_name",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
        ]
        read_only_fields = fields


class RedeemSerializer(serializers.Serializer):
    """What a redemption needs; the key may come from the ``Idempotency-Key`` header."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    item = serializers.PrimaryKeyRelatedField(queryset=RewardItem.objects.all())
    # Bounds are the service's: it answers with the field error in the user's language.
    quantity = serializers.IntegerField(max_value=2_147_483_647)
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy("Or send it as the Idempotency-Key header (required either way)."),
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customer"].queryset = Customer.objects.visible_to(request.user).filter(
                merged_into__isnull=True
            )
        return fields


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AutoRedemptionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AutoRedemptionRule
        fields = ["id", "name", "item", "days_ahead", "min_points", "is_active"]


# --- viewsets ----------------------------------------------------------------------------


class RewardItemViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The redemption catalogue (R2.4.4)."""

    queryset = RewardItem.objects.all()
    serializer_class = RewardItemSerializer
    filterset_class = RewardItemFilterSet
    action_permissions = {"deactivate": DEACTIVATE}

    def perform_create(self, serializer):
        serializer.instance = services.save_reward_item(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_reward_item(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses=RewardItemSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        item = services.deactivate_reward_item(self.get_object(), actor=request.user)
        return Response(self.get_serializer(item).data)


class RedemptionViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Redemptions (R6.5.1, R6.5.2): create redeems; the same key again returns the first
    redemption (200) and writes nothing; refusals are 409 with the reason."""

    queryset = Redemption.objects.select_related("customer", "item", "created_by")
    serializer_class = RedemptionSerializer
    filterset_class = RedemptionFilterSet
    action_permissions = {"cancel": CANCEL}

    @extend_schema(
        request=RedeemSerializer,
        responses={201: RedemptionSerializer, 200: RedemptionSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description=gettext_lazy("The request's idempotency key (or in the body)."),
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        payload = RedeemSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or ""
        redemption, made = services.redeem_once(
            data["customer"],
            data["item"],
            data["quantity"],
            actor=request.user,
            idempotency_key=key,
            channel=RedemptionChannel.API,
        )
        return Response(
            self.get_serializer(redemption).data,
            status=status.HTTP_201_CREATED if made else status.HTTP_200_OK,
        )

    @extend_schema(request=CancelSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel with a reason: the points go back, the stock too (R2.4.4)."""
        redemption = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cancelled = services.cancel_redemption(
            redemption, actor=request.user, reason=payload.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(cancelled).data)


class AutoRedemptionRuleViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Automatic redemption rules (R2.4.8)."""

    queryset = AutoRedemptionRule.objects.select_related("item")
    serializer_class = AutoRedemptionRuleSerializer

    def perform_create(self, serializer):
        serializer.instance = services.save_auto_redemption_rule(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_auto_redemption_rule(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )
