from django.urls import path

from hq.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("provinces/<str:schema_name>/", views.province_detail, name="province"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/publish/", views.publish, name="publish"),
    path("targets/", views.targets, name="targets"),
    path("targets/<str:code>/", views.target_detail, name="target"),
]
