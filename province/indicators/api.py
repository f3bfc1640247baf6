"""The province's indicator API (appendix 1, R11.2, R4.2): its computed values, its
targets and their split over its org units."""

from rest_framework import serializers, viewsets

from province.indicators.filters import UnitTargetFilterSet
from province.indicators.models import IndicatorValue, ProvinceTarget, UnitTarget
from shared.api.viewsets import TenantReadOnlyViewSet


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "period",
            "indicator",
            "dimension",
            "member",
            "value",
            "definitions_version",
            "computed_at",
        ]


class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    """The province's own indicator values (HQ receives the same in its snapshots)."""

    queryset = IndicatorValue.objects.all()
    serializer_class = IndicatorValueSerializer
    filterset_fields = ["period", "indicator", "dimension", "member"]
    ordering = ("-id",)


class ProvinceTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvinceTarget
        fields = [
            "id",
            "code",
            "name",
            "indicator",
            "period_start",
            "period_end",
            "national_value",
            "value",
            "additive",
            "received_at",
        ]


class ProvinceTargetViewSet(viewsets.ReadOnlyModelViewSet):
    """The province's shares of national targets, as HQ assigned them (R11.2, R4.2)."""

    queryset = ProvinceTarget.objects.all()
    serializer_class = ProvinceTargetSerializer
    ordering = ("-id",)


class UnitTargetSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    parent_unit = serializers.IntegerField(source="org_unit.parent_id", read_only=True)
    set_by = serializers.CharField(source="updated_by.username", read_only=True, default=None)
    set_at = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = UnitTarget
        fields = [
            "id",
            "target",
            "org_unit",
            "org_unit_name",
            "parent_unit",
            "value",
            "set_by",
            "set_at",
        ]
        read_only_fields = fields


class UnitTargetViewSet(TenantReadOnlyViewSet):
    """Org units' shares of the province's targets (R4.2.2), within the units the user
    sees (R9.2). Filters: ``target`` (code), ``org_unit``, ``parent``."""

    queryset = UnitTarget.objects.select_related("target", "org_unit", "updated_by")
    serializer_class = UnitTargetSerializer
    filterset_class = UnitTargetFilterSet
