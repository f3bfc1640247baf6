"""URLconf of a province tenant."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls_common import common_urlpatterns
from province.customers.api import (
    BillingAccountViewSet,
    BillViewSet,
    ContactViewSet,
    CustomerViewSet,
    PaymentViewSet,
    ProductInstanceViewSet,
)
from province.org.api import OrgUnitViewSet, StaffViewSet
from province.portal.views import home

router = DefaultRouter()
router.register("org/units", OrgUnitViewSet, basename="orgunit")
router.register("org/staff", StaffViewSet, basename="staff")
router.register("customers/contacts", ContactViewSet, basename="contact")
router.register("customers/accounts", BillingAccountViewSet, basename="billingaccount")
router.register("customers/products", ProductInstanceViewSet, basename="productinstance")
router.register("customers/bills", BillViewSet, basename="bill")
router.register("customers/payments", PaymentViewSet, basename="payment")
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = [
    path("", home, name="home"),
    path("org/", include("province.org.urls")),
    path("customers/io/", include("province.customers.urls_io")),
    path("customers/", include("province.customers.urls")),
    # Before the router: "import", "export", "merge" must not be taken for customer ids.
    path("api/customers/", include("province.customers.api_io")),
    path("api/", include(router.urls)),
    path("api/levels/", include("province.levels.api_urls")),
    path("api/credit/", include("province.credit.api_urls")),
    path("api/loyalty/", include("province.loyalty.api_urls")),
    path("api/analysis/", include("province.analysis.api_urls")),
    path("api/club/", include("province.club.api_urls")),
    path("api/indicators/", include("province.indicators.api_urls")),
    path("api/standards/", include("province.standards.api_urls")),
    path("api/national/", include("province.national.api_urls")),
    path("levels/", include("province.levels.urls")),
    path("credit/", include("province.credit.urls")),
    path("loyalty/", include("province.loyalty.urls")),
    path("analysis/", include("province.analysis.urls")),
    path("club/", include("province.club.urls")),
    path("indicators/", include("province.indicators.urls")),
    path("standards/", include("province.standards.urls")),
    path("national/", include("province.national.urls")),
    path("admin/", admin.site.urls),
    *common_urlpatterns,
]
