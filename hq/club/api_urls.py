"""HQ club API routes, included under /api/club/ by config/urls_hq.py."""

from rest_framework.routers import SimpleRouter

from hq.club import api

router = SimpleRouter()
router.register("tiers", api.ClubTierViewSet, basename="clubtier")
router.register("benefits", api.ClubBenefitViewSet, basename="clubbenefit")
router.register("versions", api.ClubRulesVersionViewSet, basename="clubrulesversion")
router.register("members", api.ClubMemberViewSet, basename="clubmember")
router.register("statistics", api.ClubStatisticsViewSet, basename="clubstatistics")

urlpatterns = router.urls
