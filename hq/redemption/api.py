"""HQ API of national redemption (R6.5.3, R2.4.9; docs/national-redemption.md).

- ``items``: the national catalogue; create and update through the services (HQ
  administrators), as on the catalogue page; provinces see a change after a publication.
- ``versions``: the published versions; create publishes the catalogue to every province.
- ``redemptions``: every national redemption HQ routed (read-only), filtered by ``month``
  (requested), ``settlement_month``, ``home_province``, ``serving_province``, ``province``
  (either side), ``status``.
- ``settlement``: ``?month=YYYY-MM`` (default: this month): what each home province owes
  each serving province for the redemptions committed in that month, with the totals.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from hq.redemption import selectors, services
from hq.redemption.filters import NationalRedemptionFilterSet, NationalRewardItemFilterSet
from hq.redemption.models import NationalCatalogVersion, NationalRedemption, NationalRewardItem
from shared.api.permissions import requires
from shared.api.viewsets import TenantGenericViewSet, TenantReadOnlyViewSet
from sync import directory

YUAN = {"max_digits": 16, "decimal_places": 2}


# --- serializers -------------------------------------------------------------------------


class NationalRewardItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalRewardItem
        fields = ["id", *services.ITEM_FIELDS, "changed_by", "created_at", "updated_at"]
        read_only_fields = ["id", "changed_by", "created_at", "updated_at"]


class NationalCatalogVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalCatalogVersion
        fields = ["id", "version", "content", "provinces", "published_by", "published_at"]
        read_only_fields = fields


class NationalRedemptionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = NationalRedemption
        fields = [
            "id",
            "request_id",
            "card_number",
            "serving_province",
            "home_province",
            "item",
            "quantity",
            "points",
            "unit_cost",
            "cost",
            "status",
            "status_label",
            "reason",
            "requested_at",
            "answered_at",
            "committed_at",
            "released_at",
            "release_confirmed_at",
            "settlement_month",
        ]
        read_only_fields = fields


class SettlementQuerySerializer(serializers.Serializer):
    month = serializers.DateField(
        input_formats=["%Y-%m"],
        required=False,
        help_text=gettext_lazy("A month, YYYY-MM (default: this month)."),
    )


class SettlementLineSerializer(serializers.Serializer):
    home_province = serializers.CharField()
    home_name = serializers.CharField()
    serving_province = serializers.CharField()
    serving_name = serializers.CharField()
    amount = serializers.DecimalField(
        **YUAN, help_text=gettext_lazy("What the home province owes the serving one.")
    )
    redemptions = serializers.IntegerField()
    points = serializers.IntegerField()


class ProvinceAmountSerializer(serializers.Serializer):
    province = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.DecimalField(**YUAN)


class SettlementSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=gettext_lazy("YYYY-MM"))
    total = serializers.DecimalField(**YUAN)
    lines = SettlementLineSerializer(many=True)
    owed_by = ProvinceAmountSerializer(many=True, help_text=gettext_lazy("Per home province."))
    owed_to = ProvinceAmountSerializer(many=True, help_text=gettext_lazy("Per serving province."))


def settlement_data(figures: selectors.Settlement) -> dict:
    names = {m.schema_name: m.display_name for m in directory.provinces()}
    return {
        "month": f"{figures.month:%Y-%m}",
        "total": figures.total,
        "lines": [
            {
                "home_province": home,
                "home_name": names.get(home, home),
                "serving_province": serving,
                "serving_name": names.get(serving, serving),
                "amount": amount,
                "redemptions": count,
                "points": points,
            }
            for (home, serving), (amount, count, points) in sorted(figures.cells.items())
        ],
        "owed_by": [
            {"province": p, "name": names.get(p, p), "amount": figures.owed_by(p)}
            for p in figures.homes
        ],
        "owed_to": [
            {"province": p, "name": names.get(p, p), "amount": figures.owed_to(p)}
            for p in figures.servings
        ],
    }


# --- viewsets ----------------------------------------------------------------------------


class NationalRewardItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantGenericViewSet,
):
    """The national catalogue (R6.5.3); items are never deleted (redemptions refer to
    them): set ``is_active`` to false instead."""

    queryset = NationalRewardItem.objects.all()
    serializer_class = NationalRewardItemSerializer
    filterset_class = NationalRewardItemFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.save_item(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_item(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )


class NationalCatalogVersionViewSet(TenantReadOnlyViewSet):
    """Published versions; POST publishes the catalogue to every active province."""

    queryset = NationalCatalogVersion.objects.all()
    serializer_class = NationalCatalogVersionSerializer
    ordering = ("-version",)

    @extend_schema(request=None, responses={201: NationalCatalogVersionSerializer})
    def create(self, request, *args, **kwargs):
        version = services.publish_catalog(actor=request.user)
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


class NationalRedemptionViewSet(TenantReadOnlyViewSet):
    """Every national redemption HQ routed (R6.5.3): read-only, the saga moves them."""

    queryset = NationalRedemption.objects.all()
    serializer_class = NationalRedemptionSerializer
    filterset_class = NationalRedemptionFilterSet


class SettlementViewSet(viewsets.ViewSet):
    """The inter-province settlement of one month (R2.4.9), as on the settlement page."""

    permission_classes = [requires("hqredemption.view_nationalredemption")]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=False, description="YYYY-MM")],
        responses=SettlementSerializer,
    )
    def list(self, request):
        query = SettlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data.get("month") or timezone.localdate()
        figures = selectors.settlement(month.replace(day=1))
        return Response(SettlementSerializer(settlement_data(figures)).data)
