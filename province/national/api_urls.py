"""Province national redemption API routes, included under /api/national/ by
config/urls_province.py."""

from rest_framework.routers import SimpleRouter

from province.national import api

router = SimpleRouter()
router.register("directory", api.DirectoryViewSet, basename="nationaldirectory")
router.register("items", api.NationalItemViewSet, basename="nationalitem")
router.register("visiting", api.VisitingRedemptionViewSet, basename="visitingredemption")
router.register("home", api.NationalHoldViewSet, basename="nationalhold")

urlpatterns = router.urls
