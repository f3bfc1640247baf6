"""URLconf of the HQ tenant."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls_common import common_urlpatterns
from hq.federation.api import ProvinceStatusViewSet
from hq.federation.views import home

router = DefaultRouter()
router.register("provinces", ProvinceStatusViewSet, basename="province")

urlpatterns = [
    path("", home, name="home"),
    path("sync/", include("hq.console.urls")),
    path("club/", include("hq.club.urls")),
    path("api/club/", include("hq.club.api_urls")),
    path("indicators/", include("hq.indicators.urls")),
    path("redemption/", include("hq.redemption.urls")),
    path("api/redemption/", include("hq.redemption.api_urls")),
    path("api/indicators/", include("hq.indicators.api_urls")),
    path("standards/", include("hq.standards.urls")),
    path("api/standards/", include("hq.standards.api_urls")),
    path("api/", include(router.urls)),
    path("admin/", admin.site.urls),
    *common_urlpatterns,
]
