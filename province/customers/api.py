"""API of the customer master (R2.1): customers and their contacts, accounts, products,
bills and payments; transfer between account managers; change history."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from province.customers import services
from province.customers.filters import CustomerFilterSet
from province.customers.models import (
    Bill,
    BillingAccount,
    BlacklistEntry,
    Contact,
    Customer,
    Payment,
    ProductInstance,
)
from province.customers.selectors import customer_history
from province.org.models import Staff
from shared.api.fields import MaskedCharField
from shared.api.viewsets import TenantModelViewSet
from shared.masking import mask_mobile, mask_resident_id


class CustomerSerializer(serializers.ModelSerializer):
    certificate_no = MaskedCharField(
        mask=mask_resident_id, required=False, allow_blank=True, max_length=30
    )
    phone = MaskedCharField(mask=mask_mobile, required=False, allow_blank=True, max_length=20)
    account_manager_name = serializers.CharField(source="account_manager.name", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            "type",
            "name",
            "certificate_type",
            "certificate_no",
            "industry",
            "city",
            "district",
            "address",
            "phone",
            "status",
            "account_manager",
            "account_manager_name",
            "org_unit",
            "parent",
            "level",
            "is_strategic",
            "credit_grade",
            "credit_limit",
            "joined_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "org_unit",
            "level",
            "credit_grade",
            "credit_limit",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"joined_on": {"required": False}}
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["account_manager"].queryset = Staff.objects.visible_to(request.user)
            fields["parent"].queryset = Customer.objects.visible_to(request.user)
        return fields


class ContactSerializer(serializers.ModelSerializer):
    mobile = MaskedCharField(mask=mask_mobile, required=False, allow_blank=True, max_length=20)

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "role", "title", "mobile", "email", "is_primary"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["customer"].queryset = Customer.objects.visible_to(request.user)
        return fields


class BillingAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillingAccount
        fields = ["id", "customer", "number", "name", "is_active"]


class ProductInstanceSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = ProductInstance
        fields = [
            "id",
            "customer",
            "account",
            "product",
            "product_name",
            "service_number",
            "monthly_fee",
            "activated_on",
            "terminated_on",
        ]


class BillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bill
        fields = [
            "id",
            "customer",
            "account",
            "period",
            "amount_due",
            "amount_paid",
            "due_date",
            "paid_on",
            "status",
        ]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "customer", "account", "bill", "amount", "paid_on", "method", "reference"]


class TransferSerializer(serializers.Serializer):
    customers = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=5000
    )
    to_manager = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.all())
    reason = serializers.CharField(max_length=200)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    reason = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


class BlacklistEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = BlacklistEntry
        fields = [
            "id",
            "customer",
            "reason",
            "listed_at",
            "listed_by",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        ]
        read_only_fields = fields


class BlacklistReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CustomerViewSet(TenantModelViewSet):
    queryset = Customer.objects.filter(merged_into__isnull=True).select_related(
        "account_manager", "org_unit"
    )
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    ordering_fields = ["id", "name", "number", "joined_on"]

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_customer(instance, actor=self.request.user)

    @extend_schema(
        request=TransferSerializer,
        responses=inline_serializer("TransferResult", {"transferred": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="transfer")
    def transfer(self, request):
        if not request.user.has_perm("customers.transfer_customer"):
            self.permission_denied(request)
        payload = TransferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moved = services.transfer_customers(
            payload.validated_data["customers"],
            payload.validated_data["to_manager"],
            actor=request.user,
            reason=payload.validated_data["reason"],
        )
        return Response({"transferred": len(moved)}, status=status.HTTP_200_OK)

    @extend_schema(methods=["GET"], request=None, responses=BlacklistEntrySerializer(many=True))
    @extend_schema(
        methods=["POST"], request=BlacklistReasonSerializer, responses=BlacklistEntrySerializer
    )
    @action(detail=True, methods=["get", "post"])
    def blacklist(self, request, pk=None):
        """GET: the customer's blacklist entries, newest first; POST: blacklist with a reason
        (409 if already blacklisted). Blacklisted customers cannot redeem points (R2.4.4)."""
        customer = self.get_object()
        if not request.user.has_perm("customers.view_blacklistentry"):
            self.permission_denied(request)
        if request.method == "GET":
            entries = customer.blacklist_entries.order_by("-listed_at", "-id")
            return Response(BlacklistEntrySerializer(entries, many=True).data)
        if not request.user.has_perm("customers.manage_blacklist"):
            self.permission_denied(request)
        payload = BlacklistReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = services.blacklist_customer(
            customer, actor=request.user, reason=payload.validated_data.get("reason", "")
        )
        return Response(BlacklistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BlacklistReasonSerializer, responses=BlacklistEntrySerializer)
    @action(detail=True, methods=["post"], url_path="blacklist/lift")
    def lift_blacklist(self, request, pk=None):
        """Take the customer off the blacklist, with a reason (409 if not on it)."""
        customer = self.get_object()
        if not request.user.has_perm("customers.manage_blacklist"):
            self.permission_denied(request)
        payload = BlacklistReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = services.lift_blacklist(
            customer, actor=request.user, reason=payload.validated_data.get("reason", "")
        )
        return Response(BlacklistEntrySerializer(entry).data)

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        return Response(HistoryEntrySerializer(customer_history(self.get_object()), many=True).data)


class ContactViewSet(TenantModelViewSet):
    queryset = Contact.objects.select_related("customer")
    serializer_class = ContactSerializer
    filterset_fields = ["customer", "role", "is_primary"]
    ordering_fields = ["id", "name"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.save_contact(customer, actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer", serializer.instance.customer)
        serializer.instance = services.save_contact(
            customer, actor=self.request.user, contact=serializer.instance, **data
        )


class _ReadOnlyCustomerPartViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class BillingAccountViewSet(_ReadOnlyCustomerPartViewSet):
    queryset = BillingAccount.objects.all()
    serializer_class = BillingAccountSerializer
    filterset_fields = ["customer", "is_active"]


class ProductInstanceViewSet(_ReadOnlyCustomerPartViewSet):
    queryset = ProductInstance.objects.select_related("product")
    serializer_class = ProductInstanceSerializer
    filterset_fields = ["customer", "product", "account"]


class BillViewSet(_ReadOnlyCustomerPartViewSet):
    queryset = Bill.objects.all()
    serializer_class = BillSerializer
    filterset_fields = ["customer", "account", "period", "status"]


class PaymentViewSet(_ReadOnlyCustomerPartViewSet):
    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_fields = ["customer", "account", "bill"]
