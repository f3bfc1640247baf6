"""HQ club API (R11.1): tiers and benefits (writes through the services), published
versions (create = publish to every province), the national roster (read-only, filters
``home_province``, ``tier``, ``status``, ``below_entry_rules``) and the usage statistics of
a year."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from hq.club import selectors, services
from hq.club.filters import ClubMemberFilterSet
from hq.club.models import ClubBenefit, ClubMember, ClubRulesVersion, ClubTier
from shared.api.permissions import requires
from shared.vocab.customer_levels import NationalLevel


class _Scoped:
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ClubTierSerializer(serializers.ModelSerializer):
    levels = serializers.ListField(child=serializers.ChoiceField(NationalLevel.choices))

    class Meta:
        model = ClubTier
        fields = ["id", "code", "name_zh", "name_en", "rank", "levels", "is_active"]


class ClubBenefitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClubBenefit
        fields = [
            "id",
            "tier",
            "code",
            "name_zh",
            "name_en",
            "kind",
            "yearly_allowance",
            "is_active",
        ]


class ClubRulesVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClubRulesVersion
        fields = ["id", "version", "content", "provinces", "published_by", "created_at"]
        read_only_fields = fields


class ClubMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClubMember
        fields = [
            "card_number",
            "home_province",
            "tier",
            "status",
            "level",
            "name_masked",
            "phone_masked",
            "since",
            "synced_at",
        ]
        read_only_fields = fields


class _Saved(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    save = None

    def perform_create(self, serializer):
        serializer.instance = type(self).save(
            None, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).save(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )


class ClubTierViewSet(_Saved):
    queryset = ClubTier.objects.all()
    serializer_class = ClubTierSerializer
    save = services.save_tier


class ClubBenefitViewSet(_Saved):
    queryset = ClubBenefit.objects.select_related("tier")
    serializer_class = ClubBenefitSerializer
    save = services.save_benefit


class ClubRulesVersionViewSet(
    _Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Published versions; POST publishes the current definition to every province."""

    queryset = ClubRulesVersion.objects.all()
    serializer_class = ClubRulesVersionSerializer

    @extend_schema(request=None, responses={201: ClubRulesVersionSerializer})
    def create(self, request, *args, **kwargs):
        version = services.publish_rules(actor=request.user)
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


class ClubMemberViewSet(
    _Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The national roster: one row per member as the home province last reported it."""

    queryset = ClubMember.objects.all()
    serializer_class = ClubMemberSerializer
    lookup_field = "card_number"
    filterset_class = ClubMemberFilterSet


class ClubStatisticsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total_members = serializers.IntegerField()
    total_used = serializers.IntegerField()
    by_province = serializers.ListField(child=serializers.DictField())
    by_tier = serializers.ListField(child=serializers.DictField())
    by_benefit = serializers.ListField(child=serializers.DictField())
    by_month = serializers.ListField(child=serializers.IntegerField())


class ClubStatisticsViewSet(viewsets.ViewSet):
    permission_classes = [requires("hqclub.view_clubusage")]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True)],
        responses=ClubStatisticsSerializer,
    )
    def list(self, request):
        year = serializers.IntegerField(min_value=2000, max_value=2100).run_validation(
            request.query_params.get("year")
        )
        return Response(selectors.usage_statistics(request.user, year))
