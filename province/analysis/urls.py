from django.urls import path

from province.analysis import views

app_name = "analysis"

urlpatterns = [
    path("", views.index, name="index"),
    path("composition/", views.composition, name="composition"),
    path("products/", views.products, name="products"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("satisfaction/import/", views.satisfaction_import, name="satisfaction-import"),
    path("value/", views.value, name="value"),
    path("pricing/", views.pricing, name="pricing"),
]
