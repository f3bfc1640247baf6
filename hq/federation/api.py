"""HQ API: the province overview (read-only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hq.federation.selectors import province_statuses


class ProvinceStatusSerializer(serializers.Serializer):
    schema_name = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    staff_count = serializers.IntegerField(allow_null=True)
    org_unit_count = serializers.IntegerField(allow_null=True)
    last_sync_at = serializers.DateTimeField(allow_null=True)
    failed_messages = serializers.IntegerField()


class ProvinceStatusViewSet(viewsets.ViewSet):
    """Every province with the figures it last reported and when it last synchronised."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProvinceStatusSerializer(many=True))
    def list(self, request):
        if not request.user.has_perm("federation.view_provincesummary"):
            raise PermissionDenied()
        return Response(ProvinceStatusSerializer(province_statuses(), many=True).data)
