from django.urls import path

from province.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("compute/", views.compute, name="compute"),
    path("targets/<str:code>/", views.target_split, name="target"),
]
