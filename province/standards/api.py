"""The province's standards API (R11.2): the national standards in force per kind (the
version, when it took effect and was applied, its content) and the service SLAs in force
with the national and provincial values. Read-only: releases come from HQ, provincial SLA
values are set on the standards page."""

from rest_framework import serializers

from province.standards.filters import ServiceTimeLimitFilterSet, StandardInForceFilterSet
from province.standards.models import ReceivedRelease, ServiceTimeLimit
from province.standards.selectors import in_force_releases
from shared.api.viewsets import TenantReadOnlyViewSet


class StandardInForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceivedRelease
        fields = [
            "id",
            "kind",
            "version",
            "effective_from",
            "published_at",
            "applied_at",
            "content",
            "notes",
        ]
        read_only_fields = fields


class ServiceTimeLimitSerializer(serializers.ModelSerializer):
    response_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    resolution_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    compliance_target = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)

    class Meta:
        model = ServiceTimeLimit
        fields = [
            "id",
            "level",
            "request_kind",
            "response_hours",
            "resolution_hours",
            "compliance_target",
            "national_response_hours",
            "national_resolution_hours",
            "national_compliance_target",
            "national_version",
            "local_response_hours",
            "local_resolution_hours",
            "local_compliance_target",
            "local_set_at",
        ]
        read_only_fields = fields


class StandardInForceViewSet(TenantReadOnlyViewSet):
    """The release in force of each kind (its newest applied one); ``/<kind>/`` for one."""

    queryset = in_force_releases()
    serializer_class = StandardInForceSerializer
    filterset_class = StandardInForceFilterSet
    lookup_field = "kind"


class ServiceTimeLimitViewSet(TenantReadOnlyViewSet):
    """The service SLAs in force per customer level and request kind (values in force =
    the provincial ones where set, else the national ones)."""

    queryset = ServiceTimeLimit.objects.all()
    serializer_class = ServiceTimeLimitSerializer
    filterset_class = ServiceTimeLimitFilterSet
