"""API for customer import, export and merging (R2.1.2).

Included under ``/api/customers/`` before the customer router (whose detail route would
otherwise take ``import``, ``export`` and ``merge`` for a primary key). Errors follow the
project's format (``shared.api.errors``): 400 for bad input, 403, 404, 409 for conflicts.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from province.customers import exporting, importing, merging
from province.customers.filters import CustomerFilterSet
from province.customers.models import Customer, CustomerMerge
from province.customers.selectors import customer_list


def _require(request, allowed: bool, view) -> None:
    if not allowed:
        view.permission_denied(request)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    mode = serializers.ChoiceField(
        choices=importing.ImportMode.choices, default=importing.ImportMode.ALL_OR_NOTHING
    )


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    mode = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    bad_rows = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)
    ignored_columns = serializers.ListField(child=serializers.CharField())


class CustomerImportView(APIView):
    """Create customers from a CSV or .xlsx file; the report lists every bad row."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportReportSerializer},
    )
    def post(self, request):
        _require(request, request.user.has_perm(importing.IMPORT_PERMISSION), self)
        payload = ImportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        result = importing.import_customers(
            upload.read(),
            actor=request.user,
            mode=payload.validated_data["mode"],
            filename=upload.name,
        )
        return Response(result.as_dict())


class CustomerExportView(generics.GenericAPIView):
    """The visible customers matching the list's filters, as an Excel workbook."""

    queryset = Customer.objects.none()  # for the schema's filter parameters only
    filterset_class = CustomerFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def get_queryset(self):
        return customer_list(self.request.user)

    @extend_schema(
        filters=True,
        responses={
            (200, importing.XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="Excel workbook"
            )
        },
    )
    def get(self, request):
        _require(request, request.user.has_perm(exporting.EXPORT_PERMISSION), self)
        export = exporting.export_customers(
            request.query_params, actor=request.user, path=request.path
        )
        return FileResponse(
            export.file,
            as_attachment=True,
            filename=export.filename,
            content_type=export.content_type,
        )


class MergeRequestSerializer(serializers.Serializer):
    survivor = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    duplicate = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    reason = serializers.CharField(max_length=200)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name in ("survivor", "duplicate"):
                fields[name].queryset = Customer.objects.visible_to(request.user)
        return fields


class CustomerMergeSerializer(serializers.ModelSerializer):
    moved_counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = CustomerMerge
        fields = [
            "id",
            "survivor",
            "duplicate",
            "actor",
            "at",
            "reason",
            "moved",
            "moved_counts",
            "duplicate_status",
            "reverted_at",
            "reverted_by",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["moved_counts"] = instance.moved_counts()
        return data


class CustomerMergeView(APIView):
    """Merge a duplicate customer into a survivor; every related record moves."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=MergeRequestSerializer, responses={201: CustomerMergeSerializer})
    def post(self, request):
        _require(request, request.user.has_perm(merging.MERGE_PERMISSION), self)
        payload = MergeRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        merge = merging.merge_customers(
            payload.validated_data["survivor"],
            payload.validated_data["duplicate"],
            actor=request.user,
            reason=payload.validated_data["reason"],
        )
        return Response(CustomerMergeSerializer(merge).data, status=status.HTTP_201_CREATED)


class CustomerMergeRevertView(APIView):
    """Undo a merge exactly (province administrators); 409 if already reverted."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: CustomerMergeSerializer})
    def post(self, request, pk):
        _require(request, merging.can_revert(request.user), self)
        merge = get_object_or_404(CustomerMerge, pk=pk)
        merge = merging.revert_merge(merge, actor=request.user)
        return Response(CustomerMergeSerializer(merge).data)


# Included by config/urls_province.py as path("api/customers/", include(...)).
urlpatterns = [
    path("import/", CustomerImportView.as_view(), name="customer-import"),
    path("export/", CustomerExportView.as_view(), name="customer-export"),
    path("merge/", CustomerMergeView.as_view(), name="customer-merge"),
    path(
        "merges/<int:pk>/revert/", CustomerMergeRevertView.as_view(), name="customer-merge-revert"
    ),
]
