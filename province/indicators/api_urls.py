"""API routes of the province indicators, included under /api/indicators/."""

from rest_framework.routers import SimpleRouter

from province.indicators import api

router = SimpleRouter()
router.register("values", api.IndicatorValueViewSet, basename="indicatorvalue")
router.register("targets", api.ProvinceTargetViewSet, basename="provincetarget")
router.register("unit-targets", api.UnitTargetViewSet, basename="unittarget")

urlpatterns = router.urls
