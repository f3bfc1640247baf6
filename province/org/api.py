"""API of the org app: org units and staff, full CRUD through the services (R9.2)."""

from django.db import transaction
from rest_framework import serializers

from province.org import services
from province.org.filters import OrgUnitFilterSet, StaffFilterSet
from province.org.models import OrgUnit, Staff
from shared.accounts.roles import roles_for
from shared.api.fields import MaskedCharField
from shared.api.viewsets import TenantModelViewSet
from shared.masking import mask_mobile
from shared.validators import normalize_mobile

PROVINCE_ROLE_CHOICES = [(r.code, r.label) for r in roles_for("province")]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "parent",
            "path",
            "depth",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]
        # Uniqueness is checked by the services, with the same messages everywhere.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["parent"].queryset = OrgUnit.objects.visible_to(request.user)
        return fields


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )
    mobile = MaskedCharField(mask=mask_mobile, required=False, allow_blank=True, max_length=20)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=PROVINCE_ROLE_CHOICES), required=False
    )

    class Meta:
        model = Staff
        fields = [
            "id",
            "username",
            "password",
            "name",
            "employee_no",
            "org_unit",
            "title",
            "mobile",
            "email",
            "roles",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"employee_no": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["org_unit"].queryset = OrgUnit.objects.visible_to(request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            fields["username"].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["roles"] = sorted(g.name for g in instance.user.groups.all())
        return data

    def validate_mobile(self, value):
        return normalize_mobile(value) if value else value


class OrgUnitViewSet(TenantModelViewSet):
    queryset = OrgUnit.objects.all()
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    ordering_fields = ["id", "name", "code", "path"]

    def perform_create(self, serializer):
        serializer.instance = services.create_org_unit(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_org_unit(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_org_unit(instance, actor=self.request.user)


class StaffViewSet(TenantModelViewSet):
    queryset = Staff.objects.select_related("user", "org_unit").prefetch_related("user__groups")
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    ordering_fields = ["id", "name", "employee_no"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = data.pop("user")
        serializer.instance = services.create_staff(
            actor=self.request.user,
            username=user["username"],
            password=data.pop("password", None),
            roles=data.pop("roles", []),
            **data,
        )

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("user", None)
        data.pop("password", None)
        serializer.instance = services.update_staff(
            serializer.instance, actor=self.request.user, **data
        )

    def perform_destroy(self, instance):
        services.delete_staff(instance, actor=self.request.user)
