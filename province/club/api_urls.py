"""Province club API routes, included under /api/club/ by config/urls_province.py."""

from rest_framework.routers import SimpleRouter

from province.club import api

router = SimpleRouter()
router.register("memberships", api.ClubMembershipViewSet, basename="clubmembership")
router.register("eligible", api.EligibleCustomerViewSet, basename="clubeligible")
router.register("usages", api.BenefitUsageViewSet, basename="benefitusage")
router.register("activities", api.ClubActivityViewSet, basename="clubactivity")
router.register("visits", api.VisitingUsageViewSet, basename="visitingusage")
router.register("directory", api.DirectoryViewSet, basename="clubdirectory")

urlpatterns = router.urls
