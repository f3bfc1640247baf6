"""The province's indicator API (appendix 1, R11.2): its computed values and its targets."""

from rest_framework import serializers, viewsets

from province.indicators.models import IndicatorValue, ProvinceTarget


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
            "received_at",
        ]


class ProvinceTargetViewSet(viewsets.ReadOnlyModelViewSet):
    """The province's shares of national targets, as HQ assigned them (R11.2, R4.2)."""

    queryset = ProvinceTarget.objects.all()
    serializer_class = ProvinceTargetSerializer
    ordering = ("-id",)
