from django.urls import path

from province.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.in_force, name="in-force"),
    path("slas/<int:pk>/", views.edit_time_limit, name="time-limit"),
]
