"""API routes of HQ's standards, included under /api/standards/ by config/urls_hq.py."""

from rest_framework.routers import SimpleRouter

from hq.standards import api

router = SimpleRouter()
router.register("releases", api.StandardReleaseViewSet, basename="standardrelease")
router.register("provinces", api.ProvinceStandardViewSet, basename="provincestandard")

urlpatterns = router.urls
