"""URLconf of a province tenant."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls_common import common_urlpatterns
from province.org.api import OrgUnitViewSet, StaffViewSet
from province.portal.views import home

router = DefaultRouter()
router.register("org/units", OrgUnitViewSet, basename="orgunit")
router.register("org/staff", StaffViewSet, basename="staff")

urlpatterns = [
    path("", home, name="home"),
    path("org/", include("province.org.urls")),
    path("api/", include(router.urls)),
    path("admin/", admin.site.urls),
    *common_urlpatterns,
]
