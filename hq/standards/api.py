"""HQ's standards API (R11.2): the published releases (filter ``kind``) and what every
province reports it runs, the rows of the matrix (filter ``province``, ``kind``,
``behind``, ``failed``). Read-only: drafts are edited and published on the pages."""

from rest_framework import serializers

from hq.standards.filters import ProvinceStandardFilterSet, StandardReleaseFilterSet
from hq.standards.models import ProvinceStandard, StandardRelease
from hq.standards.selectors import with_latest_version
from shared.api.viewsets import TenantReadOnlyViewSet


class StandardReleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandardRelease
        fields = [
            "id",
            "kind",
            "version",
            "effective_from",
            "published_at",
            "published_by",
            "content",
        ]
        read_only_fields = fields


class ProvinceStandardSerializer(serializers.ModelSerializer):
    latest_version = serializers.IntegerField(read_only=True)
    behind = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProvinceStandard
        fields = [
            "id",
            "province",
            "kind",
            "version",
            "applied_at",
            "latest_version",
            "behind",
            "failed_version",
            "error",
            "local_extensions",
            "reported_at",
        ]
        read_only_fields = fields


class StandardReleaseViewSet(TenantReadOnlyViewSet):
    """Published versions of the national standards, newest first."""

    queryset = StandardRelease.objects.all()
    serializer_class = StandardReleaseSerializer
    filterset_class = StandardReleaseFilterSet


class ProvinceStandardViewSet(TenantReadOnlyViewSet):
    """Per province and kind: the version in force, the newest published, failures."""

    queryset = with_latest_version(ProvinceStandard.objects.all())
    serializer_class = ProvinceStandardSerializer
    filterset_class = ProvinceStandardFilterSet
