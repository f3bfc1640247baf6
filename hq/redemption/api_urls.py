"""HQ national redemption API routes, included under /api/redemption/ by config/urls_hq.py."""

from rest_framework.routers import SimpleRouter

from hq.redemption import api

router = SimpleRouter()
router.register("items", api.NationalRewardItemViewSet, basename="nationalrewarditem")
router.register("versions", api.NationalCatalogVersionViewSet, basename="nationalcatalogversion")
router.register("redemptions", api.NationalRedemptionViewSet, basename="nationalredemption")
router.register("settlement", api.SettlementViewSet, basename="nationalsettlement")

urlpatterns = router.urls
