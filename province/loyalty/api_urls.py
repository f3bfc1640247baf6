"""API routes of the loyalty app, included under /api/loyalty/ by config/urls_province.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from province.loyalty import api_cost
from province.loyalty.api import (
    AccrualRunViewSet,
    AdjustmentRequestViewSet,
    ExpiringPointsViewSet,
    PointsAccountViewSet,
    PointsEntryViewSet,
    PointsLotViewSet,
)
from province.loyalty.api_redemption import (
    AutoRedemptionRuleViewSet,
    RedemptionViewSet,
    RewardItemViewSet,
)
from province.loyalty.api_rules import EarningRuleViewSet

router = SimpleRouter()
router.register("accounts", PointsAccountViewSet, basename="pointsaccount")
router.register("lots", PointsLotViewSet, basename="pointslot")
router.register("entries", PointsEntryViewSet, basename="pointsentry")
router.register("accrual-runs", AccrualRunViewSet, basename="accrualrun")
router.register("adjustments", AdjustmentRequestViewSet, basename="adjustmentrequest")
router.register("expiring", ExpiringPointsViewSet, basename="expiringpoints")
router.register("reward-items", RewardItemViewSet, basename="rewarditem")
router.register("redemptions", RedemptionViewSet, basename="redemption")
router.register("auto-redemption-rules", AutoRedemptionRuleViewSet, basename="autoredemptionrule")
router.register("earning-rules", EarningRuleViewSet, basename="earningrule")

urlpatterns = [
    *router.urls,
    path("cost/liability/", api_cost.LiabilityView.as_view(), name="loyalty-cost-liability"),
    path("cost/flow/", api_cost.PointsFlowView.as_view(), name="loyalty-cost-flow"),
    path(
        "cost/redemptions/",
        api_cost.RedemptionCostView.as_view(),
        name="loyalty-cost-redemptions",
    ),
    path(
        "cost/settlement/",
        api_cost.SettlementView.as_view(),
        name="loyalty-cost-settlement",
    ),
]
