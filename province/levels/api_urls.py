"""API routes of the levels app, included under /api/ by config/urls_province.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
