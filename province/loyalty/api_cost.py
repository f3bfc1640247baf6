"""JSON API of the points cost (R2.4.9): the figures of the "Points cost" page.

``/api/loyalty/cost/liability/``, ``…/flow/`` and ``…/redemptions/`` take the analysis
filter bar's query (period, city, level, industry, account manager, unit; bad input → 400
per field), need ``loyalty.view_points_cost`` and cover only the customers the user may
see. ``…/settlement/`` (the inter-province settlement of national redemptions, as HQ sent
it) is province-wide: it needs ``accounts.view_all_records`` too, and only the period
applies. Amounts are decimal strings in yuan, points integers.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from province.analysis.api import FILTER_PARAMETERS
from province.analysis.filters import AnalysisScope
from province.loyalty import selectors_cost
from province.loyalty.choices import RewardKind
from province.loyalty.filters import PointsCostFilterForm
from province.loyalty.selectors_cost import FLOW_KINDS
from shared.api.permissions import requires
from shared.scoping import VIEW_ALL_PERMISSION

CanViewPointsCost = requires("loyalty.view_points_cost")
YUAN = {"max_digits": 16, "decimal_places": 2}
COST_PER_POINT = {"max_digits": 12, "decimal_places": 4}


def _yuan(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**YUAN, **kwargs)


# --- serializers -------------------------------------------------------------------------

# "from" is a Python keyword: the period's fields are declared through type().
PeriodSerializer = type(
    "CostPeriodSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.CharField(help_text=gettext_lazy("First month, YYYY-MM.")),
        "to": serializers.CharField(help_text=gettext_lazy("Last month, YYYY-MM.")),
    },
)


class OutstandingSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("Level code, city name or branch unit id; null for the total."),
    )
    label = serializers.CharField()
    accounts = serializers.IntegerField(help_text=gettext_lazy("Accounts with points."))
    points = serializers.IntegerField(help_text=gettext_lazy("Outstanding points (Σ balance)."))
    held = serializers.IntegerField(help_text=gettext_lazy("Of which held (Σ held)."))
    available = serializers.IntegerField()
    value = _yuan(help_text=gettext_lazy("points × cost per point"))
    held_value = _yuan(help_text=gettext_lazy("held × cost per point"))


class LapsedPointsSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    value = _yuan()


class ExpiryHorizonSerializer(serializers.Serializer):
    months = serializers.IntegerField()
    until = serializers.DateField(help_text=gettext_lazy("Lots whose last day is before this."))
    points = serializers.IntegerField()
    value = _yuan()


class ExpiringPointsValueSerializer(serializers.Serializer):
    lapsed = LapsedPointsSerializer(
        help_text=gettext_lazy("Past their last day, not yet expired by the run.")
    )
    horizons = ExpiryHorizonSerializer(many=True)


class LiabilitySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    point_cost = serializers.DecimalField(**COST_PER_POINT)
    total = OutstandingSerializer()
    by_level = OutstandingSerializer(many=True)
    by_city = OutstandingSerializer(many=True)
    by_branch = OutstandingSerializer(many=True)
    expiring = ExpiringPointsValueSerializer()


def _per_kind(name: str, make_field) -> type[serializers.Serializer]:
    """A serializer with one field per flow kind (earn, bonus, … reverse)."""
    return type(name, (serializers.Serializer,), {str(kind): make_field() for kind in FLOW_KINDS})


FlowPointsSerializer = _per_kind("FlowPointsSerializer", serializers.IntegerField)
FlowValuesSerializer = _per_kind("FlowValuesSerializer", _yuan)


class FlowMonthSerializer(serializers.Serializer):
    month = serializers.CharField(allow_null=True, help_text=gettext_lazy("YYYY-MM"))
    points = FlowPointsSerializer(help_text=gettext_lazy("Signed: credits +, debits −."))
    values = FlowValuesSerializer()
    net = serializers.IntegerField()
    net_value = _yuan()


class PointsFlowSerializer(serializers.Serializer):
    period = PeriodSerializer()
    point_cost = serializers.DecimalField(**COST_PER_POINT)
    months = FlowMonthSerializer(many=True)
    total = FlowMonthSerializer()


class RedemptionFiguresSerializer(serializers.Serializer):
    redemptions = serializers.IntegerField()
    quantity = serializers.IntegerField()
    points = serializers.IntegerField()
    cost = _yuan(help_text=gettext_lazy("What the items cost the province."))
    bill_credit = _yuan(help_text=gettext_lazy("Credited to bills."))
    total_cost = _yuan(help_text=gettext_lazy("cost + bill credit"))


def _reward_kind() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=RewardKind.choices)


class RewardKindLabelSerializer(serializers.Serializer):
    key = _reward_kind()
    label = serializers.CharField()


class RedemptionMonthSerializer(RedemptionFiguresSerializer):
    month = serializers.CharField(help_text=gettext_lazy("YYYY-MM"))
    by_kind = serializers.DictField(
        child=RedemptionFiguresSerializer(), help_text=gettext_lazy("Keyed by item kind.")
    )


class RedemptionItemSerializer(RedemptionFiguresSerializer):
    item_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = _reward_kind()
    kind_label = serializers.CharField()


class RedemptionTotalSerializer(RedemptionFiguresSerializer):
    cost_per_point = serializers.DecimalField(
        **COST_PER_POINT,
        allow_null=True,
        help_text=gettext_lazy("Total cost / points redeemed; null when nothing was redeemed."),
    )


class RedemptionCostSerializer(serializers.Serializer):
    period = PeriodSerializer()
    point_cost = serializers.DecimalField(**COST_PER_POINT)
    kinds = RewardKindLabelSerializer(many=True)
    by_month = RedemptionMonthSerializer(many=True)
    by_item = RedemptionItemSerializer(many=True)
    total = RedemptionTotalSerializer()
    cancelled = RedemptionFiguresSerializer(
        help_text=gettext_lazy("Cancelled redemptions of the period, not counted above.")
    )


class SettlementFiguresSerializer(serializers.Serializer):
    owes = _yuan(help_text=gettext_lazy("What we owe serving provinces (our members there)."))
    owes_redemptions = serializers.IntegerField()
    owes_points = serializers.IntegerField()
    owed = _yuan(help_text=gettext_lazy("What home provinces owe us (their members here)."))
    owed_redemptions = serializers.IntegerField()
    owed_points = serializers.IntegerField()
    net = _yuan(help_text=gettext_lazy("owed − owes"))


class SettlementMonthSerializer(SettlementFiguresSerializer):
    month = serializers.CharField(help_text=gettext_lazy("YYYY-MM"))


class SettlementProvinceSerializer(SettlementFiguresSerializer):
    province = serializers.CharField(help_text=gettext_lazy("The other province's code."))
    name = serializers.CharField()


class SettlementMonthProvinceSerializer(SettlementProvinceSerializer):
    month = serializers.CharField(help_text=gettext_lazy("YYYY-MM"))


class SettlementSerializer(serializers.Serializer):
    period = PeriodSerializer()
    as_of = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When HQ produced the newest figures shown.")
    )
    months = SettlementMonthSerializer(many=True)
    by_month_province = SettlementMonthProvinceSerializer(many=True)
    by_province = SettlementProvinceSerializer(many=True)
    total = SettlementFiguresSerializer()


# --- views -------------------------------------------------------------------------------


class _CostView(APIView):
    permission_classes = [CanViewPointsCost]
    compute = None
    serializer_class = None

    def scope(self, request) -> AnalysisScope:
        form = PointsCostFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [str(e) for e in errors]
                    for field, errors in form.errors.items()
                }
            )
        return form.scope(include_merged=True)

    def get(self, request):
        figures = type(self).compute(self.scope(request))
        return Response(self.serializer_class(figures).data)


@extend_schema(
    tags=["loyalty"],
    summary="Outstanding points liability (R2.4.9)",
    description="Outstanding points × cost per point, by level, city and top-level branch, and "
    "the points lapsing within 3, 6 and 12 months; as of today (the period is ignored).",
    parameters=FILTER_PARAMETERS,
    responses={200: LiabilitySerializer},
)
class LiabilityView(_CostView):
    compute = selectors_cost.liability
    serializer_class = LiabilitySerializer


@extend_schema(
    tags=["loyalty"],
    summary="Points flow by month (R2.4.9)",
    description="Points posted per month and kind (holds left out), valued at the current "
    "cost per point.",
    parameters=FILTER_PARAMETERS,
    responses={200: PointsFlowSerializer},
)
class PointsFlowView(_CostView):
    compute = selectors_cost.points_flow
    serializer_class = PointsFlowSerializer


@extend_schema(
    tags=["loyalty"],
    summary="Redemption cost by month and item (R2.4.9)",
    description="Completed redemptions of the period by month and item kind and by item; "
    "cancelled ones totalled apart.",
    parameters=FILTER_PARAMETERS,
    responses={200: RedemptionCostSerializer},
)
class RedemptionCostView(_CostView):
    compute = selectors_cost.redemption_cost
    serializer_class = RedemptionCostSerializer


@extend_schema(
    tags=["loyalty"],
    summary="Inter-province settlement of national redemptions (R2.4.9, R6.5.3)",
    description="Per month of the period: what this province owes other provinces for its "
    "members' national redemptions there and what it is owed for serving theirs, as HQ's "
    "settlement says. Province-wide: for roles that see the whole province; only the period "
    "applies.",
    parameters=FILTER_PARAMETERS,
    responses={200: SettlementSerializer},
)
class SettlementView(_CostView):
    permission_classes = [requires("loyalty.view_points_cost", VIEW_ALL_PERMISSION)]
    compute = selectors_cost.settlement
    serializer_class = SettlementSerializer
