"""HQ's indicator API (appendix 1, R11.2): the catalogue, the facts, the national figures
(totals, ranking, trend) and national targets. Thin: forms and serializers check the input,
selectors and services do the work."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from hq.indicators import selectors, services
from hq.indicators.forms import parse_month
from hq.indicators.models import IndicatorDefinition, IndicatorFact, Target
from shared.api.permissions import requires

CanViewIndicators = requires("indicators.view_indicatorfact")


class IndicatorDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorDefinition
        fields = [
            "code",
            "name_zh",
            "name_en",
            "definition",
            "unit",
            "period",
            "dimensions",
            "consolidation",
            "basis",
            "over_time",
            "has_source",
        ]


class IndicatorDefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    """The indicator catalogue (the national standard, appendix 1)."""

    queryset = IndicatorDefinition.objects.order_by("position", "code")
    serializer_class = IndicatorDefinitionSerializer
    pagination_class = None
    lookup_field = "code"


class IndicatorFactSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorFact
        fields = [
            "id",
            "province",
            "indicator",
            "period",
            "dimension",
            "member",
            "value",
            "definitions_version",
        ]


class IndicatorFactViewSet(viewsets.ReadOnlyModelViewSet):
    """The fact table: province × indicator × month × dimension member → value."""

    queryset = IndicatorFact.objects.all()
    serializer_class = IndicatorFactSerializer
    filterset_fields = ["province", "indicator", "period", "dimension", "member"]
    ordering = ("-id",)


def _month(request, name: str = "period", required: bool = True):
    value = request.query_params.get(name)
    if not value:
        if required:
            months = selectors.periods()
            if months:
                return months[-1]
            raise ValidationError({name: ["No province has reported yet."]})
        return None
    month = parse_month(value)
    if month is None:
        raise ValidationError({name: ["Enter a month as YYYY-MM."]})
    return month


def _text_param(request, name: str) -> str:
    """A text query parameter, checked like a serializer field (a NUL byte is a 400 on
    ``name``, not a database error)."""
    try:
        return serializers.CharField(max_length=64, allow_blank=True).run_validation(
            request.query_params.get(name) or ""
        )
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from None


def _definition(request) -> IndicatorDefinition:
    code = _text_param(request, "indicator")
    definition = IndicatorDefinition.objects.filter(code=code).first()
    if definition is None:
        raise ValidationError({"indicator": ["Unknown indicator."]})
    return definition


def _text(value):
    """Exact decimal text without the fact table's padding (``1500.0000`` → ``1500``)."""
    return None if value is None else format(value.normalize(), "f")


PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, description="Month, YYYY-MM (default: newest)."
)
INDICATOR = OpenApiParameter("indicator", OpenApiTypes.STR, description="Indicator code.")


class NationalValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    provinces = serializers.IntegerField()


class NationalTotalsView(APIView):
    """National value of every indicator for a month (consolidated per its definition)."""

    permission_classes = [CanViewIndicators]

    @extend_schema(parameters=[PERIOD], responses=NationalValueSerializer(many=True))
    def get(self, request):
        month = _month(request)
        return Response(
            [
                {"code": n.definition.code, "value": _text(n.value), "provinces": n.provinces}
                for n in selectors.national_totals(month)
            ]
        )


class ProvinceValueSerializer(serializers.Serializer):
    province = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class RankingView(APIView):
    """Every province's value of one indicator for a month, highest first."""

    permission_classes = [CanViewIndicators]

    @extend_schema(parameters=[INDICATOR, PERIOD], responses=ProvinceValueSerializer(many=True))
    def get(self, request):
        definition, month = _definition(request), _month(request)
        return Response(
            [
                {"province": r.schema_name, "name": r.name, "value": _text(r.value)}
                for r in selectors.ranking(definition, month)
            ]
        )


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class TrendView(APIView):
    """One indicator by month: national, or one province's with ``province``."""

    permission_classes = [CanViewIndicators]

    @extend_schema(
        parameters=[INDICATOR, OpenApiParameter("province", OpenApiTypes.STR)],
        responses=TrendPointSerializer(many=True),
    )
    def get(self, request):
        definition = _definition(request)
        trend = selectors.trend(
            definition, selectors.periods(), province=_text_param(request, "province") or None
        )
        return Response([{"period": f"{m:%Y-%m}", "value": _text(v)} for m, v in trend])


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=IndicatorDefinition.objects.all()
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    assignments = serializers.DictField(
        child=serializers.DecimalField(max_digits=20, decimal_places=4, min_value=0),
        write_only=True,
        help_text="Province schema → its share.",
    )
    provinces = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "code",
            "name",
            "indicator",
            "period_start",
            "period_end",
            "national_value",
            "assignments",
            "provinces",
        ]

    def get_provinces(self, target) -> list[dict]:
        return [
            {
                "province": a.province,
                "value": str(a.value),
                "actual": _text(a.actual),
                "completion": _text(a.completion),
                "reported_period": a.reported_period and f"{a.reported_period:%Y-%m}",
            }
            for a in target.assignments.order_by("province")
        ]


class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """National targets with each province's share and reported completion (R11.2, R4.2)."""

    queryset = Target.objects.select_related("indicator").prefetch_related("assignments")
    serializer_class = TargetSerializer
    lookup_field = "code"
    ordering = ("-id",)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_target(
            code=data["code"],
            name=data["name"],
            indicator=data["indicator"].code,
            period_start=data["period_start"],
            period_end=data["period_end"],
            national_value=data["national_value"],
            assignments=data["assignments"],
            actor=self.request.user,
        )
