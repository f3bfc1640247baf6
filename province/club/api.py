"""Province club API (R11.1, R6.5.3).

- ``memberships``: list/retrieve; create enrols ``{"customers": [ids]}`` (all or none);
  ``suspend``, ``reinstate``, ``end`` (``status_reason`` says whether staff or HQ's
  level-drop policy made the last suspension or end).
- ``eligible``: customers the rules admit, among those the user sees.
- ``usages``: benefit usage of our members; create refuses beyond the allowance (409).
- ``activities``: club events with attendees.
- ``visits``: benefits used here by members of other provinces (create sends the usage to
  the home province through HQ; status pending → done/refused).
- ``directory``: look a member of any province up by ``card_number`` or ``phone``.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from province.club import selectors, services
from province.club.models import BenefitUsage, ClubActivity, ClubMembership, VisitingUsage
from province.customers.models import Customer
from shared.api.permissions import requires
from sync import directory

CHANGE = ("club.view_clubmembership", "club.change_clubmembership")


class _Scoped:
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ClubMembershipSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = ClubMembership
        fields = [
            "id",
            "card_number",
            "customer",
            "customer_number",
            "customer_name",
            "tier",
            "status",
            "status_reason",
            "since",
            "ended_on",
            "rules_version",
        ]
        read_only_fields = fields


class EnrolSerializer(serializers.Serializer):
    customers = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), many=True, allow_empty=False
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customers"].child_relation.queryset = Customer.objects.visible_to(request.user)
        return fields


class EligibleCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "number", "name", "level", "joined_on"]
        read_only_fields = fields


class BenefitUsageSerializer(serializers.ModelSerializer):
    membership = serializers.PrimaryKeyRelatedField(queryset=ClubMembership.objects.none())

    class Meta:
        model = BenefitUsage
        fields = ["id", "membership", "benefit", "used_on", "quantity", "serving_province", "note"]
        read_only_fields = ["id", "serving_province"]
        extra_kwargs = {"used_on": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["membership"].queryset = ClubMembership.objects.visible_to(request.user)
        return fields


class ClubActivitySerializer(serializers.ModelSerializer):
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=ClubMembership.objects.none(), many=True, required=False
    )

    class Meta:
        model = ClubActivity
        fields = ["id", "name", "held_on", "place", "description", "attendees"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["attendees"].child_relation.queryset = ClubMembership.objects.visible_to(
                request.user
            )
        return fields


class VisitingUsageSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitingUsage
        fields = [
            "id",
            "request_id",
            "card_number",
            "home_province",
            "tier",
            "name_masked",
            "benefit",
            "quantity",
            "used_on",
            "status",
            "reason",
            "remaining",
            "answered_at",
        ]
        read_only_fields = fields


class VisitRequestSerializer(serializers.Serializer):
    card_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    benefit = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)
    used_on = serializers.DateField(required=False)

    def validate(self, attrs):
        if not attrs.get("card_number") and not attrs.get("phone"):
            raise serializers.ValidationError({"card_number": "required"})
        return attrs


class DirectoryEntrySerializer(serializers.Serializer):
    card_number = serializers.CharField()
    home_province = serializers.CharField()
    tier = serializers.CharField()
    status = serializers.CharField()
    level = serializers.CharField()
    name_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    since = serializers.DateField()


class DirectoryQuerySerializer(serializers.Serializer):
    """A directory lookup: a card number or a mobile number. Bad text (a NUL byte, a
    500-character "card number") is a 400 with field errors, not a database error."""

    card_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("card_number") and not attrs.get("phone"):
            raise serializers.ValidationError(
                {"card_number": [_("Give the member's card number or mobile number.")]}
            )
        return attrs


class ClubMembershipViewSet(
    _Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = ClubMembership.objects.select_related("customer")
    serializer_class = ClubMembershipSerializer
    filterset_fields = ["status", "tier"]
    action_permissions = {"suspend": CHANGE, "reinstate": CHANGE, "end": CHANGE}

    @extend_schema(request=EnrolSerializer, responses={201: ClubMembershipSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        payload = EnrolSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        made = services.enrol(payload.validated_data["customers"], actor=request.user)
        return Response(self.get_serializer(made, many=True).data, status=status.HTTP_201_CREATED)

    def _change(self, action_name):
        changed = services.change_status(self.get_object(), action_name, actor=self.request.user)
        return Response(self.get_serializer(changed).data)

    @extend_schema(request=None, responses=ClubMembershipSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._change("suspend")

    @extend_schema(request=None, responses=ClubMembershipSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._change("reinstate")

    @extend_schema(request=None, responses=ClubMembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._change("end")


class EligibleCustomerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers the club rules admit now (empty before HQ has published rules)."""

    serializer_class = EligibleCustomerSerializer
    permission_classes = [requires("club.add_clubmembership")]
    ordering = ("-id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no tenant tables
            return Customer.objects.none()
        rules = selectors.current_rules()
        if rules is None:
            return Customer.objects.none()
        return selectors.eligible_customers(rules, Customer.objects.visible_to(self.request.user))


class BenefitUsageViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = BenefitUsage.objects.select_related("membership")
    serializer_class = BenefitUsageSerializer
    filterset_fields = ["membership", "benefit"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.record_usage(
            data["membership"],
            data["benefit"],
            data["quantity"],
            actor=self.request.user,
            used_on=data.get("used_on"),
            note=data.get("note", ""),
        )


class ClubActivityViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ClubActivity.objects.prefetch_related("attendees")
    serializer_class = ClubActivitySerializer

    def perform_create(self, serializer):
        serializer.instance = services.record_activity(
            actor=self.request.user, **serializer.validated_data
        )


class VisitingUsageViewSet(
    _Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = VisitingUsage.objects.all()
    serializer_class = VisitingUsageSerializer
    filterset_fields = ["status", "home_province"]
    action_permissions = {"create": ("club.add_visitingusage",)}

    @extend_schema(request=VisitRequestSerializer, responses={201: VisitingUsageSerializer})
    def create(self, request, *args, **kwargs):
        payload = VisitRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        entry = directory.find_member(
            card_number=data.get("card_number", ""), phone=data.get("phone", "")
        )
        if entry is None:
            raise NotFound()
        visit = services.request_visit_usage(
            entry,
            data["benefit"],
            data["quantity"],
            actor=request.user,
            used_on=data.get("used_on"),
        )
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)


class DirectoryViewSet(viewsets.ViewSet):
    """Find an active club member of any province (HQ's directory)."""

    permission_classes = [requires("club.view_visitingusage")]
    entry_serializer = DirectoryEntrySerializer

    @extend_schema(parameters=[DirectoryQuerySerializer], responses=DirectoryEntrySerializer)
    def list(self, request):
        query = DirectoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entry = directory.find_member(
            card_number=query.validated_data.get("card_number", "").strip(),
            phone=query.validated_data.get("phone", "").replace(" ", ""),
        )
        if entry is None:
            raise NotFound(_("No active club member has this card or mobile number."))
        return Response(self.entry_serializer(entry).data)
