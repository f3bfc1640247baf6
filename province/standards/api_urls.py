"""API routes of the province's standards, included under /api/standards/."""

from rest_framework.routers import SimpleRouter

from province.standards import api

router = SimpleRouter()
router.register("in-force", api.StandardInForceViewSet, basename="standardinforce")
router.register("slas", api.ServiceTimeLimitViewSet, basename="servicetimelimit")

urlpatterns = router.urls
