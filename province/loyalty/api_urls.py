"""API routes of the loyalty app, included under /api/loyalty/ by config/urls_province.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
