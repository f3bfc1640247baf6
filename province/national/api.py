"""Province API of national redemption (R6.5.3, R2.4.9; docs/national-redemption.md).

Serving side (a member of another province redeems here):

- ``directory``: look a club member of any province up by ``card_number`` or ``phone``
  (HQ's member directory; masked name only).
- ``items``: the national catalogue as this province last received it.
- ``visiting``: the national redemptions served here. Create asks the member's home
  province, through HQ, to reserve the points; it needs an idempotency key (the
  ``Idempotency-Key`` header or the body) and a retry with the same key answers 200 with the
  first request. Its ``status`` follows the saga (pending, reserved, rejected, fulfilled,
  completed, timed out, or unpaid: handed over but its points could no longer be taken);
  ``fulfil`` says the item was handed over.

Home side (our members served elsewhere):

- ``home``: what this province's ledger did for each request (held, rejected, captured,
  released), visible like the member's other points rows.

The settlement figures are on the points cost API (``/api/loyalty/cost/settlement/``).
"""

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from province.club.api import DirectoryEntrySerializer, DirectoryQuerySerializer
from province.club.api import DirectoryViewSet as ClubDirectoryViewSet
from province.national import services
from province.national.filters import (
    NationalHoldFilterSet,
    NationalItemFilterSet,
    VisitingRedemptionFilterSet,
)
from province.national.models import NationalHold, NationalItem, VisitingRedemption
from shared.api.permissions import requires
from shared.api.viewsets import TenantReadOnlyViewSet
from sync import directory

FULFIL = ("national.view_visitingredemption", "national.change_visitingredemption")
KEY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy("The request's idempotency key (or in the body)."),
)


def find_member(card_number: str = "", phone: str = ""):
    """The directory entry for a card number or a mobile number, or None."""
    return directory.find_member(
        card_number=(card_number or "").strip(), phone=(phone or "").replace(" ", "")
    )


# --- serializers -------------------------------------------------------------------------


class VisitingMemberSerializer(DirectoryEntrySerializer):
    is_local = serializers.SerializerMethodField(
        help_text=gettext_lazy("A member of this province: redeem at the points counter.")
    )

    def get_is_local(self, entry) -> bool:
        return entry.home_province == connection.schema_name


class NationalItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalItem
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "kind",
            "points_price",
            "unit_cost",
            "is_active",
            "version",
        ]
        read_only_fields = fields


class VisitingRedemptionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason_text = serializers.CharField(read_only=True)
    staff_name = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = VisitingRedemption
        fields = [
            "id",
            "request_id",
            "idempotency_key",
            "card_number",
            "home_province",
            "name_masked",
            "item",
            "item_name",
            "quantity",
            "points",
            "unit_cost",
            "catalog_version",
            "status",
            "status_label",
            "reason",
            "reason_text",
            "created_at",
            "answered_at",
            "fulfilled_at",
            "created_by",
            "staff_name",
        ]
        read_only_fields = fields


class VisitingRequestSerializer(DirectoryQuerySerializer):
    """What a national redemption needs; the key may come from the ``Idempotency-Key``
    header. Item and quantity are checked by the service (field errors, user's language)."""

    item = serializers.CharField(max_length=32, help_text=gettext_lazy("National item code."))
    quantity = serializers.IntegerField(max_value=2_147_483_647)
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy("Or send it as the Idempotency-Key header (required either way)."),
    )


class NationalHoldSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True, default=None)
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = NationalHold
        fields = [
            "id",
            "request_id",
            "card_number",
            "serving_province",
            "customer",
            "customer_number",
            "customer_name",
            "item",
            "quantity",
            "points",
            "status",
            "status_label",
            "reason",
            "hold_entry",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- viewsets ----------------------------------------------------------------------------


class DirectoryViewSet(ClubDirectoryViewSet):
    """Find a servable club member of any province (R6.5.3)."""

    permission_classes = [requires("national.view_visitingredemption")]
    entry_serializer = VisitingMemberSerializer

    @extend_schema(parameters=[DirectoryQuerySerializer], responses=VisitingMemberSerializer)
    def list(self, request):
        return super().list(request)


class NationalItemViewSet(TenantReadOnlyViewSet):
    """HQ's national catalogue as received (read-only: HQ edits and publishes it)."""

    queryset = NationalItem.objects.all()
    serializer_class = NationalItemSerializer
    filterset_class = NationalItemFilterSet


class VisitingRedemptionViewSet(TenantReadOnlyViewSet):
    """National redemptions served here (R6.5.3). Rows are scoped like the page: the desk
    that served, a supervisor's subtree, province-wide roles everything (R9.2)."""

    queryset = VisitingRedemption.objects.select_related("created_by")
    serializer_class = VisitingRedemptionSerializer
    filterset_class = VisitingRedemptionFilterSet
    action_permissions = {"fulfil": FULFIL}

    @extend_schema(
        request=VisitingRequestSerializer,
        responses={201: VisitingRedemptionSerializer, 200: VisitingRedemptionSerializer},
        parameters=[KEY_HEADER],
    )
    def create(self, request, *args, **kwargs):
        """Ask the member's home province to reserve the points; 201 with the pending
        request, or 200 with the first one when the key was used before."""
        payload = VisitingRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        entry = find_member(data.get("card_number", ""), data.get("phone", ""))
        if entry is None:
            field = "card_number" if data.get("card_number") else "phone"
            raise ValidationError(
                {field: [_("No active club member has this card or mobile number.")]}
            )
        redemption, made = services.request_redemption_once(
            entry,
            data["item"],
            data["quantity"],
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key")
            or data.get("idempotency_key")
            or "",
        )
        return Response(
            self.get_serializer(redemption).data,
            status=status.HTTP_201_CREATED if made else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=VisitingRedemptionSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        """The item was handed over: the home province captures the held points (409 if
        the points are not reserved or the reservation is about to time out)."""
        redemption = services.fulfil(self.get_object(), actor=request.user)
        return Response(self.get_serializer(redemption).data)


class NationalHoldViewSet(TenantReadOnlyViewSet):
    """Home side: our members' national redemptions in other provinces, as our ledger
    handled them (R6.5.3). Visible when the member (customer) is (R9.2)."""

    queryset = NationalHold.objects.select_related("customer")
    serializer_class = NationalHoldSerializer
    filterset_class = NationalHoldFilterSet
