"""Pages of the loyalty app (R2.4), mounted at /loyalty/."""

from django.urls import path

from province.loyalty import views

app_name = "loyalty"

urlpatterns = [
    path("warnings/", views.expiry_warnings, name="warnings"),
    path("warnings/export/", views.expiry_warnings_export, name="warnings-export"),
]
