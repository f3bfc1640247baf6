"""National redemption pages of a province, included under /national/."""

from django.urls import path

from province.national import views

app_name = "national"

urlpatterns = [
    path("visiting/", views.visiting, name="visiting"),
    path("visiting/status/", views.visiting_status, name="visiting-status"),
    path("visiting/<int:pk>/fulfil/", views.fulfil, name="fulfil"),
]
