"""HQ national redemption pages, included under /redemption/ by config/urls_hq.py."""

from django.urls import path

from hq.redemption import views

app_name = "redemption"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("items/new/", views.item_form, name="item-new"),
    path("items/<int:pk>/", views.item_form, name="item-edit"),
    path("publish/", views.publish, name="publish"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("settlement/", views.settlement, name="settlement"),
]
