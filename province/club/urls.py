"""Province club pages, included under /club/ by config/urls_province.py."""

from django.urls import path

from province.club import views

app_name = "club"

urlpatterns = [
    path("", views.members, name="members"),
    path("eligible/", views.eligible, name="eligible"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/<str:action>/", views.member_status, name="member-status"),
    path("activities/", views.activities, name="activities"),
    path("visiting/", views.visiting, name="visiting"),
    path("visiting/status/", views.visiting_status, name="visiting-status"),
]
