"""API of the earning rules (R2.4.2): list and read for points readers with the right, and
create / edit / end for points administrators. ``end`` ends a rule that earned points and
deletes one that never did (204 then); the service refuses to rewrite a used rule's terms.
"""

from datetime import date

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from province.loyalty import standards
from province.loyalty.models import EarningRule

END_RULE = ("loyalty.view_earningrule", "loyalty.change_earningrule")


class EarningRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = EarningRule
        fields = [
            "id",
            "name",
            "scope",
            "kind",
            "product",
            "level",
            "points_per_yuan",
            "multiplier",
            "bonus_points",
            "condition",
            "parameter",
            "valid_from",
            "valid_to",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The service checks the rules between fields (and says why in the user's language);
        # the model's constraints would answer first, without a field.
        validators = []

    def validate(self, attrs):
        probe = EarningRule(**{**self._current(), **attrs})
        errors = standards.rule_errors(probe)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        return {f: getattr(self.instance, f) for f in self.Meta.fields if f not in ("id",)}

    def create(self, validated_data):
        actor = self.context["request"].user
        return standards.save_earning_rule(EarningRule(**validated_data), actor=actor)

    def update(self, instance, validated_data):
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return standards.save_earning_rule(instance, actor=self.context["request"].user)


class EndRuleSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, help_text=gettext_lazy("The rule's last valid day (default: today).")
    )


class EarningRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Earning rules, national and provincial (R2.4.2)."""

    queryset = EarningRule.objects.all()
    serializer_class = EarningRuleSerializer
    ordering = ("id",)
    action_permissions = {"end": END_RULE}

    @extend_schema(
        request=EndRuleSerializer,
        responses={200: EarningRuleSerializer, 204: OpenApiResponse(description="Deleted.")},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        rule = self.get_object()
        payload = EndRuleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        on: date | None = payload.validated_data.get("on")
        ended = standards.end_earning_rule(rule, actor=request.user, on=on)
        if ended is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(ended).data)
